using VisionSearch.Contracts;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Filtering;

/// <summary>
/// A shard's index of its items' ids, kinds and metadata values, for filters: per key, each token (a string, number
/// or boolean) with the labels that hold it, and the numbers and dates in order, so that a filter's matching labels
/// come from look-ups and range reads, never from reading every item. Updated under a write lock as batches are
/// indexed; filters read it under a read lock, beside each other.
/// </summary>
internal sealed class PayloadIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, KeyValues> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _labelsById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LabelSet> _kinds = new(StringComparer.Ordinal);
    private readonly LabelSet _live = new(0);
    private Entry?[] _entries = [];

    /// <summary>An item as it is indexed, and as the shard snapshot keeps it: its metadata as JSON.</summary>
    public sealed record Entry(string Id, string Kind, string? Metadata, List<PayloadValue> Values);

    /// <summary>The item of <paramref name="label"/>, or null.</summary>
    public Entry? this[int label]
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return label < _entries.Length ? _entries[label] : null;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>Indexes (or re-indexes) the item of <paramref name="label"/>.</summary>
    public void Set(int label, string id, ItemPayload? payload)
    {
        var entry = new Entry(id, payload?.Kind ?? "", payload?.Metadata, PayloadValues.Of(payload?.Metadata));
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(label);
            if (label >= _entries.Length)
            {
                Array.Resize(ref _entries, Math.Max(label + 1, _entries.Length * 2));
            }

            _entries[label] = entry;
            _live.Add(label);
            _labelsById[id] = label;
            if (!_kinds.TryGetValue(entry.Kind, out var kind))
            {
                _kinds[entry.Kind] = kind = new LabelSet(0);
            }

            kind.Add(label);
            foreach (var value in entry.Values)
            {
                if (!_keys.TryGetValue(value.Key, out var key))
                {
                    _keys[value.Key] = key = new KeyValues();
                }

                key.Add(label, value);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the item of <paramref name="label"/> (deleted), if indexed.</summary>
    public void Remove(int label)
    {
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(label);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Every metadata key its items hold now, with the types of its values.</summary>
    public Dictionary<string, FieldTypes> Schema()
    {
        _lock.EnterReadLock();
        try
        {
            return _keys.Where(k => k.Value.Types != FieldTypes.None).ToDictionary(k => k.Key, k => k.Value.Types, StringComparer.Ordinal);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The labels of the items that <paramref name="filter"/> accepts.</summary>
    public LabelSet Match(SearchFilter filter)
    {
        _lock.EnterReadLock();
        try
        {
            return MatchLocked(filter);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private LabelSet MatchLocked(SearchFilter filter)
    {
        var result = _live.Copy();
        foreach (var condition in filter.Must)
        {
            result.IntersectWith(Condition(condition));
        }

        if (filter.Should.Length > 0)
        {
            var any = new LabelSet(_live.Capacity);
            foreach (var condition in filter.Should)
            {
                any.UnionWith(Condition(condition));
            }

            result.IntersectWith(any);
        }

        foreach (var condition in filter.MustNot)
        {
            result.ExceptWith(Condition(condition));
        }

        return result;
    }

    /// <summary>The labels one condition holds for, on the live set's capacity.</summary>
    private LabelSet Condition(FilterCondition condition)
    {
        if (condition.Nested is { } nested)
        {
            return MatchLocked(nested);
        }

        var set = new LabelSet(_live.Capacity);
        var key = _keys.GetValueOrDefault(condition.Key);
        if (condition.IsEmpty)
        {
            set.UnionWith(_live);
            if (condition.Key is not (FilterKeys.Id or FilterKeys.Kind) && key is not null)
            {
                set.ExceptWith(key.Present(_live.Capacity));
            }

            return set;
        }

        if (condition.Range is { } range)
        {
            key?.AddRange(set, range);
            return set;
        }

        var match = condition.Match!;
        if (condition.Key == FilterKeys.Id)
        {
            foreach (var value in match.Values)
            {
                if (_labelsById.TryGetValue(value.Text!, out var label))
                {
                    set.Add(label);
                }
            }
        }
        else if (condition.Key == FilterKeys.Kind)
        {
            foreach (var value in match.Values)
            {
                if (_kinds.TryGetValue(value.Text!, out var kind))
                {
                    set.UnionWith(kind);
                }
            }
        }
        else
        {
            key?.AddMatches(set, match.Values.Select(PayloadValues.Token));
        }

        if (!match.Except)
        {
            return set;
        }

        if (condition.Key is FilterKeys.Id or FilterKeys.Kind)
        {
            // Every item has one id and one kind: holding a value outside the list is not holding one inside it.
            var outside = _live.Copy();
            outside.ExceptWith(set);
            return outside;
        }

        var others = new LabelSet(_live.Capacity);
        key?.AddOtherThan(others, match.Values.Select(PayloadValues.Token).ToHashSet(StringComparer.Ordinal));
        return others;
    }

    private void RemoveLocked(int label)
    {
        if (label >= _entries.Length || _entries[label] is not { } entry)
        {
            return;
        }

        _entries[label] = null;
        _live.Remove(label);
        if (_labelsById.TryGetValue(entry.Id, out var current) && current == label)
        {
            _labelsById.Remove(entry.Id);
        }

        _kinds[entry.Kind].Remove(label);
        foreach (var value in entry.Values)
        {
            _keys[value.Key].Remove(label, value);
        }
    }

    /// <summary>One key's values: tokens with their labels, numbers and dates in order, and who holds any value.</summary>
    private sealed class KeyValues
    {
        private readonly Dictionary<string, HashSet<int>> _tokens = new(StringComparer.Ordinal);
        private readonly SortedSet<(double Value, int Label)> _numbers = [];
        private readonly SortedSet<(double Value, int Label)> _dates = [];
        private readonly Dictionary<int, int> _valuesByLabel = [];
        private readonly int[] _typeCounts = new int[5];

        public FieldTypes Types
        {
            get
            {
                var types = FieldTypes.None;
                for (var i = 0; i < _typeCounts.Length; i++)
                {
                    if (_typeCounts[i] > 0)
                    {
                        types |= (FieldTypes)(1 << i);
                    }
                }

                return types;
            }
        }

        public void Add(int label, PayloadValue value)
        {
            _typeCounts[TypeSlot(value.Type)]++;
            _valuesByLabel[label] = _valuesByLabel.GetValueOrDefault(label) + 1;
            if (value.Token is { } token)
            {
                if (!_tokens.TryGetValue(token, out var labels))
                {
                    _tokens[token] = labels = [];
                }

                labels.Add(label);
            }

            if (value.Type == FieldTypes.Number)
            {
                _numbers.Add((value.Number, label));
            }
            else if (value.Type == FieldTypes.Date)
            {
                _dates.Add((value.Number, label));
            }
        }

        public void Remove(int label, PayloadValue value)
        {
            _typeCounts[TypeSlot(value.Type)]--;
            if (--_valuesByLabel[label] == 0)
            {
                _valuesByLabel.Remove(label);
            }

            if (value.Token is { } token && _tokens.TryGetValue(token, out var labels) && labels.Remove(label) && labels.Count == 0)
            {
                _tokens.Remove(token);
            }

            if (value.Type == FieldTypes.Number)
            {
                _numbers.Remove((value.Number, label));
            }
            else if (value.Type == FieldTypes.Date)
            {
                _dates.Remove((value.Number, label));
            }
        }

        public LabelSet Present(int capacity)
        {
            var set = new LabelSet(capacity);
            foreach (var label in _valuesByLabel.Keys)
            {
                set.Add(label);
            }

            return set;
        }

        public void AddMatches(LabelSet set, IEnumerable<string> tokens)
        {
            foreach (var token in tokens)
            {
                if (_tokens.TryGetValue(token, out var labels))
                {
                    foreach (var label in labels)
                    {
                        set.Add(label);
                    }
                }
            }
        }

        public void AddOtherThan(LabelSet set, HashSet<string> excepted)
        {
            foreach (var (token, labels) in _tokens)
            {
                if (!excepted.Contains(token))
                {
                    foreach (var label in labels)
                    {
                        set.Add(label);
                    }
                }
            }
        }

        /// <summary>Adds the labels with a value in <paramref name="range"/>: one ordered read between its bounds.</summary>
        public void AddRange(LabelSet set, FilterRange range)
        {
            var values = range.Dates ? _dates : _numbers;
            var low = range.Gt ?? range.Gte ?? double.NegativeInfinity;
            var high = range.Lt ?? range.Lte ?? double.PositiveInfinity;
            if (range.Gte is { } gte && range.Gt is { } gt)
            {
                low = Math.Max(gt, gte);
            }

            if (range.Lte is { } lte && range.Lt is { } lt)
            {
                high = Math.Min(lt, lte);
            }

            if (values.Count == 0 || low > high)
            {
                return;
            }

            foreach (var (value, label) in values.GetViewBetween((low, int.MinValue), (high, int.MaxValue)))
            {
                if (range.Contains(value))
                {
                    set.Add(label);
                }
            }
        }

        private static int TypeSlot(FieldTypes type) => System.Numerics.BitOperations.Log2((uint)type);
    }
}
