using System.Runtime.CompilerServices;
using Internal.Runtime.CompilerHelpers;

namespace System;

/// <summary>A bounds-checked view of contiguous memory: managed array, stack or raw pointer.</summary>
public readonly ref struct Span<T>
{
    internal readonly ref T _reference;
    private readonly int _length;

    /// <summary>A span over all of <paramref name="array"/>; empty for null.</summary>
    public Span(T[]? array)
    {
        if (array is null) { this = default; return; }
        _reference = ref ArrayData.GetArrayDataReference(array);
        _length = array.Length;
    }

    /// <summary>A span over <paramref name="length"/> elements of <paramref name="array"/> from
    /// <paramref name="start"/>; a range outside the array is a panic: a throw stops the kernel
    /// through RuntimeHost.FailFast.</summary>
    public Span(T[]? array, int start, int length)
    {
        if (array is null) { if (start != 0 || length != 0) ThrowHelpers.ThrowArgumentOutOfRangeException(); this = default; return; }
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.Add(ref ArrayData.GetArrayDataReference(array), start);
        _length = length;
    }

    /// <summary>A span over <paramref name="length"/> elements at <paramref name="pointer"/>, which
    /// the caller keeps valid; a negative length is a panic: a throw stops the kernel through
    /// RuntimeHost.FailFast.</summary>
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

    /// <summary>The element at <paramref name="index"/>, by reference; an index outside [0, Length)
    /// is a panic: a throw stops the kernel through RuntimeHost.FailFast.</summary>
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

    /// <summary>Number of elements.</summary>
    public int Length => _length;
    /// <summary>Whether <see cref="Length"/> is 0.</summary>
    public bool IsEmpty => _length == 0;
    /// <summary>An empty span.</summary>
    public static Span<T> Empty => default;

    /// <summary>The elements from <paramref name="start"/> to the end; a start beyond <see
    /// cref="Length"/> is a panic: a throw stops the kernel through RuntimeHost.FailFast.</summary>
    public Span<T> Slice(int start)
    {
        if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new Span<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), _length - start);
    }

    /// <paramref name="length"/> elements from <paramref name="start"/>; a range beyond <see
    /// cref="Length"/> is a panic: a throw stops the kernel through RuntimeHost.FailFast.
    public Span<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new Span<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), length);
    }

    /// <summary>A reference to the first element, or a null reference when empty (what <c>fixed</c>
    /// pins).</summary>
    public ref T GetPinnableReference() => ref (_length != 0 ? ref _reference : ref Unsafe.NullRef<T>());

    /// <summary>Sets every element to default (zero bytes).</summary>
    public unsafe void Clear()
    {
        if (_length > 0)
            Internal.Runtime.NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref _reference), 0, (nuint)_length * (nuint)Unsafe.SizeOf<T>());
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public unsafe void Fill(T value)
    {
        if (Unsafe.SizeOf<T>() == 1 && _length > 0)
        {
            Internal.Runtime.NativeEntryPoints.Memset((byte*)Unsafe.AsPointer(ref _reference), Unsafe.As<T, byte>(ref value), (nuint)_length);
            return;
        }
        for (int i = 0; i < _length; i++) Unsafe.Add(ref _reference, i) = value;
    }

    /// <summary>Copies every element to the start of <paramref name="destination"/> (overlap
    /// allowed); a destination shorter than this span is a panic: a throw stops the kernel through
    /// RuntimeHost.FailFast.</summary>
    public void CopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) ThrowHelpers.ThrowArgumentException();
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
    }

    /// <summary>Copies every element to the start of <paramref name="destination"/> (overlap
    /// allowed); false, copying nothing, when it is shorter than this span.</summary>
    public bool TryCopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) return false;
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
        return true;
    }

    /// <summary>A span over all of <paramref name="array"/>.</summary>
    public static implicit operator Span<T>(T[]? array) => new Span<T>(array);
    /// <summary>The same elements, read-only.</summary>
    public static implicit operator ReadOnlySpan<T>(Span<T> span) => new ReadOnlySpan<T>(ref span._reference, span._length);

    /// <summary>An enumerator for <c>foreach</c>, by reference.</summary>
    public Enumerator GetEnumerator() => new Enumerator(this);

    /// <summary>Walks a span's elements in order (<c>foreach</c>).</summary>
    public ref struct Enumerator
    {
        private readonly Span<T> _span;
        private int _index;
        internal Enumerator(Span<T> span) { _span = span; _index = -1; }
        /// <summary>Steps to the next element; false after the last.</summary>
        public bool MoveNext()
        {
            int index = _index + 1;
            if (index < _span.Length) { _index = index; return true; }
            return false;
        }
        /// <summary>The element at the current position, by reference.</summary>
        public ref T Current => ref _span[_index];
    }
}

/// <summary>A read-only bounds-checked view of contiguous memory.</summary>
public readonly ref struct ReadOnlySpan<T>
{
    internal readonly ref T _reference;
    private readonly int _length;

    /// <summary>A read-only span over all of <paramref name="array"/>; empty for null.</summary>
    public ReadOnlySpan(T[]? array)
    {
        if (array is null) { this = default; return; }
        _reference = ref ArrayData.GetArrayDataReference(array);
        _length = array.Length;
    }

    /// <summary>A read-only span over <paramref name="length"/> elements of <paramref
    /// name="array"/> from <paramref name="start"/> (also what the compiler uses for
    /// <c>"..."u8</c>); a range outside the array is a panic: a throw stops the kernel through
    /// RuntimeHost.FailFast.</summary>
    public ReadOnlySpan(T[]? array, int start, int length)
    {
        if (array is null) { if (start != 0 || length != 0) ThrowHelpers.ThrowArgumentOutOfRangeException(); this = default; return; }
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)array.Length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        _reference = ref Unsafe.Add(ref ArrayData.GetArrayDataReference(array), start);
        _length = length;
    }

    /// <summary>A read-only span over <paramref name="length"/> elements at <paramref
    /// name="pointer"/>, which the caller keeps valid; a negative length is a panic: a throw stops
    /// the kernel through RuntimeHost.FailFast.</summary>
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

    /// <summary>The element at <paramref name="index"/>, by read-only reference; an index outside
    /// [0, Length) is a panic: a throw stops the kernel through RuntimeHost.FailFast.</summary>
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

    /// <summary>Number of elements.</summary>
    public int Length => _length;
    /// <summary>Whether <see cref="Length"/> is 0.</summary>
    public bool IsEmpty => _length == 0;
    /// <summary>An empty span.</summary>
    public static ReadOnlySpan<T> Empty => default;

    /// <summary>The elements from <paramref name="start"/> to the end; a start beyond <see
    /// cref="Length"/> is a panic: a throw stops the kernel through RuntimeHost.FailFast.</summary>
    public ReadOnlySpan<T> Slice(int start)
    {
        if ((uint)start > (uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), _length - start);
    }

    /// <paramref name="length"/> elements from <paramref name="start"/>; a range beyond <see
    /// cref="Length"/> is a panic: a throw stops the kernel through RuntimeHost.FailFast.
    public ReadOnlySpan<T> Slice(int start, int length)
    {
        if ((ulong)(uint)start + (ulong)(uint)length > (ulong)(uint)_length) ThrowHelpers.ThrowArgumentOutOfRangeException();
        return new ReadOnlySpan<T>(ref Unsafe.Add(ref _reference, (nint)(uint)start), length);
    }

    /// <summary>A reference to the first element, or a null reference when empty (what <c>fixed</c>
    /// pins).</summary>
    public ref readonly T GetPinnableReference() => ref (_length != 0 ? ref _reference : ref Unsafe.NullRef<T>());

    /// <summary>Copies every element to the start of <paramref name="destination"/> (overlap
    /// allowed); a destination shorter than this span is a panic: a throw stops the kernel through
    /// RuntimeHost.FailFast.</summary>
    public void CopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) ThrowHelpers.ThrowArgumentException();
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
    }

    /// <summary>Copies every element to the start of <paramref name="destination"/> (overlap
    /// allowed); false, copying nothing, when it is shorter than this span.</summary>
    public bool TryCopyTo(Span<T> destination)
    {
        if ((uint)_length > (uint)destination.Length) return false;
        SpanCopy.Move(ref destination._reference, ref _reference, _length);
        return true;
    }

    /// <summary>A read-only span over all of <paramref name="array"/> (and how a constant array
    /// becomes static data).</summary>
    public static implicit operator ReadOnlySpan<T>(T[]? array) => new ReadOnlySpan<T>(array);

    /// <summary>An enumerator for <c>foreach</c>, by read-only reference.</summary>
    public Enumerator GetEnumerator() => new Enumerator(this);

    /// <summary>Walks a read-only span's elements in order (<c>foreach</c>).</summary>
    public ref struct Enumerator
    {
        private readonly ReadOnlySpan<T> _span;
        private int _index;
        internal Enumerator(ReadOnlySpan<T> span) { _span = span; _index = -1; }
        /// <summary>Steps to the next element; false after the last.</summary>
        public bool MoveNext()
        {
            int index = _index + 1;
            if (index < _span.Length) { _index = index; return true; }
            return false;
        }
        /// <summary>The element at the current position, by read-only reference.</summary>
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

/// <summary>Span helpers as extension methods (the BCL's names).</summary>
public static class MemoryExtensions
{
    /// <summary>Whether both spans have the same length and bytes (a loop over the bytes: not
    /// constant time).</summary>
    public static bool SequenceEqual(this ReadOnlySpan<byte> span, ReadOnlySpan<byte> other)
    {
        if (span.Length != other.Length) return false;
        for (int i = 0; i < span.Length; i++) if (span[i] != other[i]) return false;
        return true;
    }

    /// <summary>Whether both spans have the same length and bytes (a loop over the bytes: not
    /// constant time).</summary>
    public static bool SequenceEqual(this Span<byte> span, ReadOnlySpan<byte> other) =>
        SequenceEqual((ReadOnlySpan<byte>)span, other);

    /// <summary>A span over all of <paramref name="array"/>; empty for null.</summary>
    public static Span<T> AsSpan<T>(this T[]? array) => new Span<T>(array);
}
