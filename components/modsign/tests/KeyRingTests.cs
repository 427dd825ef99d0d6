using System;
using System.Runtime.CompilerServices;
using Xunit;

namespace Aurora.Modsign.Tests;

public class KeyRingTests
{
    [Fact]
    public void KeyFitsItsRingSlot()
    {
        Assert.Equal(RsaPublicKey.SizeInWords * 8, Unsafe.SizeOf<RsaPublicKey>());
    }

    [Fact]
    public void HoldsUpToCapacityKeysAndFindsEachById()
    {
        KeyRing ring = default;
        for (int i = 0; i < KeyRing.Capacity; i++)
        {
            Assert.Equal(KeyResult.Ok, ring.Add(TestKeys.All[i].ExportSubjectPublicKeyInfo()));
        }

        Assert.Equal(KeyRing.Capacity, ring.Count);
        Assert.Equal(KeyResult.KeyRingFull, ring.Add(TestKeys.All[KeyRing.Capacity].ExportSubjectPublicKeyInfo()));

        for (int i = 0; i < KeyRing.Capacity; i++)
        {
            RsaPublicKey expected = TestKeys.Parse(TestKeys.All[i]);
            Assert.True(ring.TryGet(TestKeys.KeyIdBytes(expected), out RsaPublicKey found));
            Assert.True(found.KeyId.Matches(expected.KeyId));
            Assert.True(ring.TryGetAt(i, out RsaPublicKey at));
            Assert.True(at.KeyId.Matches(expected.KeyId));

            byte[] message = "ring"u8.ToArray();
            Assert.Equal(VerifyResult.Valid, Pkcs1Sha256.Verify(found, message, TestKeys.Sign(TestKeys.All[i], message)));
        }

        Assert.False(ring.TryGet(TestKeys.KeyIdBytes(TestKeys.Parse(TestKeys.All[KeyRing.Capacity])), out RsaPublicKey missing));
        Assert.False(missing.IsValid);
        Assert.False(ring.TryGetAt(-1, out _));
        Assert.False(ring.TryGetAt(KeyRing.Capacity, out _));
        Assert.False(ring.TryGet(new byte[31], out _));
    }

    [Fact]
    public void RefusesDuplicatesInvalidAndMalformedKeys()
    {
        KeyRing ring = default;
        byte[] spki = TestKeys.First.ExportSubjectPublicKeyInfo();
        Assert.Equal(KeyResult.Ok, ring.Add(spki));
        Assert.Equal(KeyResult.DuplicateKey, ring.Add(spki));
        Assert.Equal(KeyResult.DuplicateKey, ring.Add(TestKeys.Parse(TestKeys.First)));
        Assert.Equal(KeyResult.InvalidKey, ring.Add(default(RsaPublicKey)));
        Assert.Equal(KeyResult.TrailingData, ring.Add([.. TestKeys.Second.ExportSubjectPublicKeyInfo(), 0]));
        Assert.Equal(1, ring.Count);
    }
}
