using SharpBpf.Maps;
using static SharpBpf.Tests.Maps.MapTestSupport;

namespace SharpBpf.Tests.Maps;

public class HashMapModelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperationsAgreeWithADictionaryModel(int seed)
    {
        const int Max = 32;
        var random = new Random(seed);
        using var map = Create(MapType.Hash, 4, 8, Max);
        var model = new Dictionary<uint, ulong>();
        for (int step = 0; step < 5000; step++)
        {
            uint key = (uint)random.Next(64);
            ulong value = (ulong)random.NextInt64();
            var flags = (MapUpdateFlags)random.Next(3);
            switch (random.Next(3))
            {
                case 0:
                    int expected = flags switch
                    {
                        MapUpdateFlags.NoExist when model.ContainsKey(key) => -Errno.EEXIST,
                        MapUpdateFlags.Exist when !model.ContainsKey(key) => -Errno.ENOENT,
                        _ when !model.ContainsKey(key) && model.Count == Max => -Errno.E2BIG,
                        _ => 0,
                    };
                    Assert.Equal(expected, map.Update(key, value, flags));
                    if (expected == 0) model[key] = value;
                    break;
                case 1:
                    Assert.Equal(model.Remove(key) ? 0 : -Errno.ENOENT, map.Delete(key));
                    break;
                default:
                    Assert.Equal(model.TryGetValue(key, out var v) ? v : null, map.Lookup<uint, ulong>(key));
                    break;
            }
        }
        Assert.Equal(model.OrderBy(p => p.Key), map.EntriesOf<uint, ulong>().OrderBy(p => p.Key));
    }
}
