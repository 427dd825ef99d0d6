using System.Runtime.CompilerServices;
using Internal.Runtime.CompilerHelpers;

namespace System;

/// <summary>A bounds-checked view of contiguous memory: managed array, stack or raw pointer.</summary>
public readonly ref struct Span<T>
{
    internal readonly ref T _reference;
    private readonly int _length;

    public Span(T[]? array)
    {
        if (array is null) { this = default; return; }
        _reference = ref ArrayData.GetArrayDataReference(array);
        _length = array.Length;
    }

    public Span(T[]? array, int start, int length)
    {
        if (array is null) { if (start != 0 || length != 0) ThrowHelpers.ThrowArgumentOutOfRangeException(); this = default; return; }
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.Add(ref ArrayData.GetArrayDataReference(array), start);
        _length = length;
    }

    public unsafe Span(void* pointer, int length)
    {
        if (length < 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.AsRef<T>(pointer);
        _length = length;
    }

    internal Span(ref T reference, int length)
    {
        _reference = ref reference;
        _length = length;
    }

    public ref T this[int index]
    {
        [Intrinsic]
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_length) ThrowHelpers.ThrowIndexOutOfRangeException();
            return ref Unsafe.Add(ref _reference, (nint)(uint)index);
        }
    }

    public int Length => _length;
    public bool IsEmpty => _length == 0;
    public static Span<T> Empty => default;

    public Span<T> Slice(int start)
    {
        if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new Span<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), _length - start);
    }

    public Span<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new Span<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), length);
    }

    public ref T GetPinnableReference() => ref (_length != 0 ? ref _reference : ref Unsafe.NullRef<T>());

    public unsafe void Clear()
    {
        if (_length > 0)
            Internal.Runtime.NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref _reference), 0, (nuint)_length * (nuint)Unsafe.SizeOf<T>());
    }

    public unsafe void Fill(T value)
    {
        if (Unsafe.SizeOf<T>() == 1 && _length > 0)
        {
            Internal.Runtime.NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref _reference), Unsafe.As<T, byte>(ref value), (nuint)_length);
            return;
        }
        for (int i = 0; i < _length; i++) Unsafe.Add(ref _reference, i) = value;
    }

    public void CopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) ThrowHelpers.ThrowArgumentException();
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
    }

    public bool TryCopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) return false;
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
        return true;
    }

    public static implicit operator Span<T>(T[]? array) => new Span<T>(array);
    public static implicit operator ReadOnlySpan<T>(Span<T> span) => new ReadOnlySpan<T>(ref span._reference, span._length);

    public Enumerator GetEnumerator() => new Enumerator(this);

    public ref struct Enumerator
    {
        private readonly Span<T> _span;
        private int _index;
        internal Enumerator(Span<T> span) { _span = span; _index = -1; }
        public bool MoveNext()
        {
            int index = _index + 1;
            if (index < _span.Length) { _index = index; return true; }
            return false;
        }
        public ref T Current => ref _span[_index];
    }
}

/// <summary>A read-only bounds-checked view of contiguous memory.</summary>
public readonly ref struct ReadOnlySpan<T>
{
    internal readonly ref T _reference;
    private readonly int _length;

    public ReadOnlySpan(T[]? array)
    {
        if (array is null) { this = default; return; }
        _reference = ref ArrayData.GetArrayDataReference(array);
        _length = array.Length;
    }

    public ReadOnlySpan(T[]? array, int start, int length)
    {
        if (array is null) { if (start != 0 || length != 0) ThrowHelpers.ThrowArgumentOutOfRangeException(); this = default; return; }
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.Add(ref ArrayData.GetArrayDataReference(array), start);
        _length = length;
    }

    public unsafe ReadOnlySpan(void* pointer, int length)
    {
        if (length < 0) ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.AsRef<T>(pointer);
        _length = length;
    }

    internal ReadOnlySpan(ref T reference, int length)
    {
        _reference = ref reference;
        _length = length;
    }

    public ref readonly T this[int index]
    {
        [Intrinsic]
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if ((uint)index >= (uint)_length) ThrowHelpers.ThrowIndexOutOfRangeException();
            return ref Unsafe.Add(ref _reference, (nint)(uint)index);
        }
    }

    public int Length => _length;
    public bool IsEmpty => _length == 0;
    public static ReadOnlySpan<T> Empty => default;

    public ReadOnlySpan<T> Slice(int start)
    {
        if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), _length - start);
    }

    public ReadOnlySpan<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), length);
    }

    public ref readonly T GetPinnableReference() => ref (_length != 0 ? ref _reference : ref Unsafe.NullRef<T>());

    public void CopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) ThrowHelpers.ThrowArgumentException();
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
    }

    public bool TryCopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) return false;
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
        return true;
    }

    public static implicit operator ReadOnlySpan<T>(T[]? array) => new ReadOnlySpan<T>(array);

    public Enumerator GetEnumerator() => new Enumerator(this);

    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<T> _span;
        private int _index;
        internal Enumerator(ReadOnlySpan<T> span) { _span = span; _index = -1; }
        public bool MoveNext()
        {
            int index = _index + 1;
            if (index < _span.Length) { _index = index; return true; }
            return false;
        }
        public ref readonly T Current => ref _span[_index];
    }
}

internal static class SpanCopy
{
    // A move that is correct for overlapping ranges (memmove semantics), as one block of bytes:
    // without a collector an element is its bits, references included.
    internal static unsafe void Move<T>(ref T destination, ref T source, int count)
    {
        if (count <= 0 || Unsafe.AreSame(ref destination, ref source)) return;
        Internal.Runtime.NativeEntryPoints.Memmove((byte*)Unsafe.AsPointer(ref destination), (byte*)Unsafe.AsPointer(ref source),
            (nuint)count * (nuint)Unsafe.SizeOf<T>());
    }
}

public static class MemoryExtensions
{
    public static bool SequenceEqual(this ReadOnlySpan<byte> span, ReadOnlySpan<byte> other)
    {
        if (span.Length != other.Length) return false;
        for (int i = 0; i < span.Length; i++) if (span[i] != other[i]) return false;
        return true;
    }

    public static bool SequenceEqual(this Span<byte> span, ReadOnlySpan<byte> other) =>
        SequenceEqual((ReadOnlySpan<byte>)span, other);

    public static Span<T> AsSpan<T>(this T[]? array) => new Span<T>(array);
}
