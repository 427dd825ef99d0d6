using System.Globalization;
using System.Text;

namespace Aurora.Wasm.Playground;

/// <summary>Just enough JSON writing for the exports' answers (no reflection, nothing to trim).</summary>
internal sealed class Json
{
    private readonly StringBuilder _text = new();
    private bool _comma;

    public Json Open(char bracket, string? name = null) { Name(name); _text.Append(bracket); _comma = false; return this; }
    public Json Close(char bracket) { _text.Append(bracket); _comma = true; return this; }
    public Json Number(string? name, double value) { Name(name); _text.Append(value.ToString("R", CultureInfo.InvariantCulture)); _comma = true; return this; }
    public Json Bool(string? name, bool value) { Name(name); _text.Append(value ? "true" : "false"); _comma = true; return this; }

    public Json String(string? name, string value)
    {
        Name(name);
        _text.Append('"');
        foreach (char c in value)
        {
            if (c == '"' || c == '\\') _text.Append('\\').Append(c);
            else if (c < ' ') _text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else _text.Append(c);
        }
        _text.Append('"');
        _comma = true;
        return this;
    }

    private void Name(string? name)
    {
        if (_comma) _text.Append(',');
        if (name != null) _text.Append('"').Append(name).Append("\":");
        _comma = false;
    }

    public override string ToString() => _text.ToString();
}
