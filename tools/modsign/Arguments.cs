using System;
using System.Collections.Generic;

namespace Aurora.Modsign.Cli;

/// <summary>Command-line words split into options with values, flags and positionals.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly List<string> _positionals = new();

    private Arguments()
    {
    }

    public IReadOnlyList<string> Positionals => _positionals;

    /// <summary>
    /// Parses <paramref name="words"/>: each name in <paramref name="valueOptions"/> takes the next
    /// word; each in <paramref name="flagOptions"/> stands alone; anything else starting with '-'
    /// is an error; the rest are positionals.
    /// </summary>
    public static Arguments? Parse(IReadOnlyList<string> words, string[] valueOptions, string[] flagOptions, out string error)
    {
        Arguments parsed = new();
        error = "";
        for (int i = 0; i < words.Count; i++)
        {
            string word = words[i];
            if (Array.IndexOf(valueOptions, word) >= 0)
            {
                if (i + 1 >= words.Count)
                {
                    error = $"option {word} needs a value";
                    return null;
                }

                if (parsed._values.ContainsKey(word))
                {
                    error = $"option {word} given twice";
                    return null;
                }

                parsed._values[word] = words[++i];
            }
            else if (Array.IndexOf(flagOptions, word) >= 0)
            {
                parsed._flags.Add(word);
            }
            else if (word.Length > 1 && word[0] == '-')
            {
                error = $"unknown option {word}";
                return null;
            }
            else
            {
                parsed._positionals.Add(word);
            }
        }

        return parsed;
    }

    public string? Value(string name) => _values.TryGetValue(name, out string? value) ? value : null;

    public bool Flag(string name) => _flags.Contains(name);
}
