using SharpBpf.Maps;
using SharpBpf.ProgramTypes;

namespace SharpBpf.Tests.ProgramTypes;

public class RedirectMapTests
{
    private static BpfMap Create(MapType type, uint valueSize = 4, uint maxEntries = 4) =>
        BpfMap.Create(new MapDefinition { Name = type.ToString(), Type = type, KeySize = 4, ValueSize = valueSize, MaxEntries = maxEntries });

    [Theory]
    [InlineData(MapType.DevMap)]
    [InlineData(MapType.CpuMap)]
    [InlineData(MapType.XskMap)]
    public void Array_redirect_maps_follow_kernel_update_rules(MapType type)
    {
        using var map = Create(type);
        var redirect = Assert.IsType<RedirectMap>(map);
        Assert.Equal(-Errno.EEXIST, map.Update(1u, 7u, MapUpdateFlags.NoExist));
        Assert.Equal(-Errno.E2BIG, map.Update(4u, 7u));
        Assert.Equal(0, map.Update(1u, 7u));
        Assert.True(redirect.TryGetTarget(1, out uint target));
        Assert.Equal(7u, target);
        Assert.Equal(-Errno.EINVAL, map.Delete(9u));
        Assert.Equal(0, map.Delete(1u));
        Assert.False(redirect.TryGetTarget(1, out _));
        Assert.Equal([0u, 1u, 2u, 3u], map.KeysOf<uint>());
    }

    [Fact]
    public void Devmap_hash_is_sparse_and_zero_ifindex_clears()
    {
        using var map = Create(MapType.DevMapHash, valueSize: 8, maxEntries: 2);
        Assert.Equal(0, map.Update(100u, 5UL));
        Assert.Equal(0, map.Update(200u, 6UL));
        Assert.Equal(-Errno.E2BIG, map.Update(300u, 7UL));
        Assert.Equal([100u, 200u], map.KeysOf<uint>());
        Assert.Equal(0, map.Update(100u, 0UL));
        Assert.Null(map.Lookup<uint, ulong>(100u));
        Assert.Equal(-Errno.ENOENT, map.Delete(100u));
        Assert.Throws<BpfMapException>(() => Create(MapType.XskMap, valueSize: 8));
    }
}
