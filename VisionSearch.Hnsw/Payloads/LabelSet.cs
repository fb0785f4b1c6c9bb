using System.Numerics;

namespace VisionSearch.Hnsw.Payloads;

/// <summary>A set of labels as a bitmap: what a filter matches, combined word by word, and asked per node in a walk.</summary>
/// <param name="capacity">The labels it holds at first: 0 to capacity − 1; adding a larger one grows it.</param>
public sealed class LabelSet(int capacity)
{
    private ulong[] _words = new ulong[(capacity + 63) / 64];

    /// <summary>The labels it can hold: 0 to Capacity − 1.</summary>
    public int Capacity => _words.Length * 64;

    /// <summary>Whether the set holds <paramref name="label"/>.</summary>
    public bool Contains(int label) => (uint)label < (uint)(_words.Length * 64) && (_words[label >> 6] & (1UL << label)) != 0;

    /// <summary>Adds a label, growing the bitmap (at least doubling it) when the label lies beyond it.</summary>
    public void Add(int label)
    {
        if (label >= Capacity)
        {
            Array.Resize(ref _words, Math.Max((label >> 6) + 1, _words.Length * 2));
        }

        _words[label >> 6] |= 1UL << label;
    }

    /// <summary>Removes a label, if held.</summary>
    public void Remove(int label)
    {
        if (label < Capacity)
        {
            _words[label >> 6] &= ~(1UL << label);
        }
    }

    /// <summary>How many labels the set holds (a count of bits).</summary>
    public int Count()
    {
        var count = 0;
        foreach (var word in _words)
        {
            count += BitOperations.PopCount(word);
        }

        return count;
    }

    /// <summary>Keeps the labels <paramref name="other"/> holds too (any capacity: labels beyond it are not in it).</summary>
    public void IntersectWith(LabelSet other)
    {
        for (var i = 0; i < _words.Length; i++)
        {
            _words[i] &= i < other._words.Length ? other._words[i] : 0;
        }
    }

    /// <summary>Adds the labels of <paramref name="other"/>.</summary>
    public void UnionWith(LabelSet other)
    {
        if (other._words.Length > _words.Length)
        {
            Array.Resize(ref _words, other._words.Length);
        }

        for (var i = 0; i < other._words.Length; i++)
        {
            _words[i] |= other._words[i];
        }
    }

    /// <summary>Removes the labels of <paramref name="other"/>.</summary>
    public void ExceptWith(LabelSet other)
    {
        for (var i = 0; i < Math.Min(_words.Length, other._words.Length); i++)
        {
            _words[i] &= ~other._words[i];
        }
    }

    /// <summary>A copy with the same capacity, so that sets made for one filter combine word by word.</summary>
    public LabelSet Copy()
    {
        var copy = new LabelSet(Capacity);
        _words.CopyTo(copy._words, 0);
        return copy;
    }

    /// <summary>The labels in ascending order.</summary>
    public int[] ToArray()
    {
        var labels = new int[Count()];
        var n = 0;
        for (var i = 0; i < _words.Length; i++)
        {
            for (var word = _words[i]; word != 0; word &= word - 1)
            {
                labels[n++] = (i * 64) + BitOperations.TrailingZeroCount(word);
            }
        }

        return labels;
    }
}
