using VisionSearch.Hnsw.Graph;

namespace VisionSearch.Hnsw.Tests;

public sealed class LabelSlotsTests
{
    [Fact]
    public void Random_adds_sets_and_removes_answer_as_a_dictionary_does()
    {
        // Labels from a narrow range collide and form long probe runs, so removals shift cells back across wraps.
        var random = new Random(5);
        using var table = new LabelSlots();
        var expected = new Dictionary<int, int>();
        for (var step = 0; step < 200_000; step++)
        {
            var label = random.Next(4) == 0 ? random.Next() - int.MaxValue / 2 : random.Next(3_000);
            var slot = random.Next(1_000_000);
            switch (random.Next(4))
            {
                case 0:
                    Assert.Equal(expected.TryAdd(label, slot), table.TryAdd(label, slot));
                    break;
                case 1:
                    table.Set(label, slot);
                    expected[label] = slot;
                    break;
                case 2:
                    Assert.Equal(expected.Remove(label), table.Remove(label));
                    break;
                default:
                    Assert.Equal(expected.TryGetValue(label, out var want), table.TryGetValue(label, out var got));
                    Assert.Equal(expected.ContainsKey(label) ? want : -1, got);
                    break;
            }

            Assert.Equal(expected.Count, table.Count);
        }

        foreach (var (label, slot) in expected)
        {
            Assert.True(table.TryGetValue(label, out var got));
            Assert.Equal(slot, got);
        }
    }

    [Fact]
    public void Extreme_labels_and_slot_zero_are_kept_and_an_empty_table_holds_no_memory()
    {
        using var table = new LabelSlots();
        Assert.Equal(0, table.AllocatedBytes);
        Assert.False(table.ContainsKey(0));
        Assert.False(table.Remove(0));

        Assert.True(table.TryAdd(int.MinValue, 0));
        Assert.True(table.TryAdd(int.MaxValue, int.MaxValue - 1));
        Assert.True(table.TryAdd(0, 7));
        Assert.False(table.TryAdd(0, 8));
        Assert.True(table.TryGetValue(int.MinValue, out var slot) && slot == 0);
        Assert.True(table.TryGetValue(int.MaxValue, out slot) && slot == int.MaxValue - 1);
        Assert.True(table.TryGetValue(0, out slot) && slot == 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.Set(1, -1));
    }

    [Fact]
    public void One_growth_makes_room_for_a_batch_at_a_load_of_at_most_four_fifths()
    {
        using var table = new LabelSlots();
        table.EnsureCapacity(100_000);
        Assert.Equal(131_072 * 8, table.AllocatedBytes);
        Assert.Equal(104_857, table.Capacity);
        for (var label = 0; label < 100_000; label++)
        {
            Assert.True(table.TryAdd(label, label * 3));
        }

        Assert.Equal(131_072 * 8, table.AllocatedBytes);
        for (var label = 0; label < 100_000; label += 2)
        {
            Assert.True(table.Remove(label));
        }

        Assert.Equal(50_000, table.Count);
        for (var label = 0; label < 100_000; label++)
        {
            Assert.Equal(label % 2 == 1, table.TryGetValue(label, out var slot));
            Assert.Equal(label % 2 == 1 ? label * 3 : -1, slot);
        }
    }
}
