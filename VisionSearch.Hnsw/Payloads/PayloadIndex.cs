namespace VisionSearch.Hnsw.Payloads;

/// <summary>
/// An index of labels by the values of their fields, for filtered searches: per field, each token with the labels
/// that hold it, and the numbers and dates in order, so that the labels a filter accepts come from look-ups and
/// range reads, never from reading every item; beside each label, the caller's <typeparamref name="T"/>. Changes take
/// a write lock; reads (<see cref="Read"/>) share a read lock, beside each other and beside searches.
/// </summary>
/// <typeparam name="T">What the caller keeps per label (for a shard: the item's kind and metadata, for its snapshot).</typeparam>
public sealed class PayloadIndex<T> : IDisposable where T : class
{
    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Dictionary<string, FieldValues> _fields = new(StringComparer.Ordinal);
    private readonly LabelSet _live = new(0);
    private (T Item, PayloadValue[] Values)?[] _labels = [];

    /// <summary>What the caller keeps for <paramref name="label"/>, or null when it is not indexed.</summary>
    public T? this[int label]
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return label < _labels.Length ? _labels[label]?.Item : null;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _lock.Dispose();

    /// <summary>Indexes (or indexes again, replacing what it had) <paramref name="label"/> with these values.</summary>
    public void Set(int label, T item, PayloadValue[] values)
    {
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(label);
            if (label >= _labels.Length)
            {
                Array.Resize(ref _labels, Math.Max(label + 1, _labels.Length * 2));
            }

            _labels[label] = (item, values);
            _live.Add(label);
            foreach (var value in values)
            {
                if (!_fields.TryGetValue(value.Field, out var field))
                {
                    _fields[value.Field] = field = new FieldValues();
                }

                field.Add(label, value);
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes <paramref name="label"/>, if indexed.</summary>
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

    /// <summary>Every field some label holds a value of now, with the types of its values.</summary>
    public Dictionary<string, PayloadTypes> Fields()
    {
        _lock.EnterReadLock();
        try
        {
            return _fields.Where(f => f.Value.Types != PayloadTypes.None).ToDictionary(f => f.Key, f => f.Value.Types, StringComparer.Ordinal);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Takes the read lock for a filter's look-ups; dispose the reader to release it.</summary>
    public Reader Read()
    {
        _lock.EnterReadLock();
        return new Reader(this);
    }

    private void RemoveLocked(int label)
    {
        if (label >= _labels.Length || _labels[label] is not { } held)
        {
            return;
        }

        _labels[label] = null;
        _live.Remove(label);
        foreach (var value in held.Values)
        {
            _fields[value.Field].Remove(label, value);
        }
    }

    /// <summary>The look-ups of one filter, under the index's read lock until disposed. Sets it makes share one capacity.</summary>
    public readonly struct Reader : IDisposable
    {
        private readonly PayloadIndex<T> _index;

        internal Reader(PayloadIndex<T> index) => _index = index;

        /// <summary>Every indexed label.</summary>
        public LabelSet All() => _index._live.Copy();

        /// <summary>An empty set of the same capacity as <see cref="All"/>.</summary>
        public LabelSet None() => new(_index._live.Capacity);

        /// <summary>Adds to <paramref name="set"/> the labels whose <paramref name="field"/> holds <paramref name="token"/>.</summary>
        public void AddMatches(LabelSet set, string field, string token) => _index._fields.GetValueOrDefault(field)?.AddMatches(set, token);

        /// <summary>Adds the labels whose <paramref name="field"/> holds a token other than those in <paramref name="excepted"/>.</summary>
        public void AddOtherThan(LabelSet set, string field, IReadOnlySet<string> excepted) => _index._fields.GetValueOrDefault(field)?.AddOtherThan(set, excepted);

        /// <summary>Adds the labels whose <paramref name="field"/> holds a number (or with <paramref name="dates"/>, a date) in <paramref name="range"/>.</summary>
        public void AddRange(LabelSet set, string field, bool dates, PayloadRange range) => _index._fields.GetValueOrDefault(field)?.AddRange(set, dates, range);

        /// <summary>Adds the labels whose <paramref name="field"/> holds any value.</summary>
        public void AddPresent(LabelSet set, string field) => _index._fields.GetValueOrDefault(field)?.AddPresent(set);

        /// <summary>Releases the read lock.</summary>
        public void Dispose() => _index._lock.ExitReadLock();
    }

    /// <summary>One field's values: tokens with their labels, numbers and dates in order, who holds any value, and counts per type.</summary>
    private sealed class FieldValues
    {
        private readonly Dictionary<string, Postings> _tokens = new(StringComparer.Ordinal);
        private readonly SortedValues _numbers = new();
        private readonly SortedValues _dates = new();
        private readonly Dictionary<int, int> _valuesByLabel = [];
        private readonly int[] _typeCounts = new int[5];

        public PayloadTypes Types
        {
            get
            {
                var types = PayloadTypes.None;
                for (var i = 0; i < _typeCounts.Length; i++)
                {
                    if (_typeCounts[i] > 0)
                    {
                        types |= (PayloadTypes)(1 << i);
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
                    _tokens[token] = labels = new Postings();
                }

                labels.Add(label);
            }

            (value.Type switch { PayloadTypes.Number => _numbers, PayloadTypes.Date => _dates, _ => null })?.Add(value.Number, label);
        }

        public void Remove(int label, PayloadValue value)
        {
            _typeCounts[TypeSlot(value.Type)]--;
            if (--_valuesByLabel[label] == 0)
            {
                _valuesByLabel.Remove(label);
            }

            if (value.Token is { } token && _tokens.TryGetValue(token, out var labels) && labels.Remove(label) && labels.IsEmpty)
            {
                _tokens.Remove(token);
            }

            (value.Type switch { PayloadTypes.Number => _numbers, PayloadTypes.Date => _dates, _ => null })?.Remove(value.Number, label);
        }

        public void AddPresent(LabelSet set)
        {
            foreach (var label in _valuesByLabel.Keys)
            {
                set.Add(label);
            }
        }

        public void AddMatches(LabelSet set, string token) => _tokens.GetValueOrDefault(token)?.AddTo(set);

        public void AddOtherThan(LabelSet set, IReadOnlySet<string> excepted)
        {
            foreach (var (token, labels) in _tokens)
            {
                if (!excepted.Contains(token))
                {
                    labels.AddTo(set);
                }
            }
        }

        public void AddRange(LabelSet set, bool dates, PayloadRange range) => (dates ? _dates : _numbers).AddRange(set, range);

        private static int TypeSlot(PayloadTypes type) => System.Numerics.BitOperations.Log2((uint)type);
    }

    /// <summary>The labels that hold one token: one label inline (an id), a set once there are more.</summary>
    private sealed class Postings
    {
        private int _single = -1;
        private HashSet<int>? _many;

        public bool IsEmpty => _single < 0 && _many is not { Count: > 0 };

        public void Add(int label)
        {
            if (_many is not null)
            {
                _many.Add(label);
            }
            else if (_single < 0 || _single == label)
            {
                _single = label;
            }
            else
            {
                _many = [_single, label];
                _single = -1;
            }
        }

        public bool Remove(int label)
        {
            if (_many is not null)
            {
                return _many.Remove(label);
            }

            if (_single != label)
            {
                return false;
            }

            _single = -1;
            return true;
        }

        public void AddTo(LabelSet set)
        {
            if (_many is null)
            {
                if (_single >= 0)
                {
                    set.Add(_single);
                }

                return;
            }

            foreach (var label in _many)
            {
                set.Add(label);
            }
        }
    }

    /// <summary>
    /// A field's numbers (or dates) with their labels. Changes go to a set; a range reads a sorted copy, made again on
    /// the first read after a change, so a read is a binary search and a scan of two arrays, not a walk of a tree.
    /// </summary>
    private sealed class SortedValues
    {
        private readonly HashSet<(double Value, int Label)> _all = [];
        private readonly Lock _sorting = new();
        private volatile Sorted? _sorted;

        public void Add(double value, int label)
        {
            if (_all.Add((value, label)))
            {
                _sorted = null;
            }
        }

        public void Remove(double value, int label)
        {
            if (_all.Remove((value, label)))
            {
                _sorted = null;
            }
        }

        public void AddRange(LabelSet set, PayloadRange range)
        {
            var low = Math.Max(range.Gt ?? double.NegativeInfinity, range.Gte ?? double.NegativeInfinity);
            var high = Math.Min(range.Lt ?? double.PositiveInfinity, range.Lte ?? double.PositiveInfinity);
            if (_all.Count == 0 || low > high)
            {
                return;
            }

            var (values, labels) = Read();
            var from = Array.BinarySearch(values, low);
            from = from < 0 ? ~from : from;
            while (from > 0 && values[from - 1] >= low)
            {
                from--; // BinarySearch finds some index of an equal value: step back to the first
            }

            for (var i = from; i < values.Length && values[i] <= high; i++)
            {
                if (range.Contains(values[i]))
                {
                    set.Add(labels[i]);
                }
            }
        }

        /// <summary>The values in order; readers hold the index's read lock, so no change runs while one sorts.</summary>
        private Sorted Read()
        {
            if (_sorted is { } ready)
            {
                return ready;
            }

            lock (_sorting)
            {
                if (_sorted is { } done)
                {
                    return done;
                }

                var values = new double[_all.Count];
                var labels = new int[_all.Count];
                var i = 0;
                foreach (var (value, label) in _all)
                {
                    (values[i], labels[i]) = (value, label);
                    i++;
                }

                Array.Sort(values, labels);
                return _sorted = new Sorted(values, labels);
            }
        }

        private sealed record Sorted(double[] Values, int[] Labels);
    }
}
