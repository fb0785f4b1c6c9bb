using VisionSearch.Contracts;
using VisionSearch.Hnsw.Payloads;
using VisionSearch.Silo.Grains;

namespace VisionSearch.Silo.Filtering;

/// <summary>
/// A filter's meaning over a shard's <see cref="PayloadIndex{T}"/>: each condition becomes a set of labels from the
/// index's look-ups, and the clauses combine them (every <c>must</c>, at least one <c>should</c> when there are any,
/// no <c>must_not</c>), all under one read lock.
/// </summary>
internal static class FilterMatcher
{
    /// <summary>The labels of the items <paramref name="filter"/> accepts.</summary>
    public static LabelSet Match(PayloadIndex<ItemPayload> index, SearchFilter filter)
    {
        using var reader = index.Read();
        return Match(reader, filter);
    }

    /// <summary>Every metadata key the index's items hold, with the types of its values.</summary>
    public static Dictionary<string, PayloadTypes> Schema(PayloadIndex<ItemPayload> index) =>
        index.Fields().Where(f => PayloadValues.Key(f.Key) is not null).ToDictionary(f => PayloadValues.Key(f.Key)!, f => f.Value, StringComparer.Ordinal);

    private static LabelSet Match(PayloadIndex<ItemPayload>.Reader reader, SearchFilter filter)
    {
        var result = reader.All();
        foreach (var condition in filter.Must)
        {
            result.IntersectWith(Condition(reader, condition));
        }

        if (filter.Should.Length > 0)
        {
            var any = reader.None();
            foreach (var condition in filter.Should)
            {
                any.UnionWith(Condition(reader, condition));
            }

            result.IntersectWith(any);
        }

        foreach (var condition in filter.MustNot)
        {
            result.ExceptWith(Condition(reader, condition));
        }

        return result;
    }

    private static LabelSet Condition(PayloadIndex<ItemPayload>.Reader reader, FilterCondition condition)
    {
        if (condition.Nested is { } nested)
        {
            return Match(reader, nested);
        }

        var field = PayloadValues.Field(condition.Key);
        if (condition.IsEmpty)
        {
            var empty = reader.All();
            var present = reader.None();
            reader.AddPresent(present, field);
            empty.ExceptWith(present);
            return empty;
        }

        var set = reader.None();
        if (condition.Range is { } range)
        {
            reader.AddRange(set, field, range.Dates, new PayloadRange(range.Gt, range.Gte, range.Lt, range.Lte));
            return set;
        }

        var match = condition.Match!;
        if (!match.Except)
        {
            foreach (var value in match.Values)
            {
                reader.AddMatches(set, field, PayloadValues.Token(value));
            }

            return set;
        }

        // An item holds a value outside the list when any of its values is (an array's elements are its values).
        reader.AddOtherThan(set, field, match.Values.Select(PayloadValues.Token).ToHashSet(StringComparer.Ordinal));
        return set;
    }
}
