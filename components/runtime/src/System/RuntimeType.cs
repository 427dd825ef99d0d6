namespace System;

/// <summary>The compiler refers to this type; without reflection it has no members.</summary>
internal sealed class RuntimeType : Type { }
