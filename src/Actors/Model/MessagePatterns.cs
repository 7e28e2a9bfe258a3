namespace LogAggregator.Model;

/// <summary>
/// A message with its variable parts masked, so that <c>timeout after 5012 ms</c> and <c>timeout after 733 ms</c>
/// share <c>timeout after &lt;num&gt; ms</c>. The error summary groups by it and alerting keys on it, so both must
/// see the same text: this is the one place it is computed. Lives in Model because storage and alerting both
/// depend on it and on nothing else.
/// </summary>
/// <remarks>
/// One hand-written pass in linear time: it runs on every ERROR at ingest, and a regex per kind would scan each
/// message once per kind. The message is cut into tokens (letters, digits and <c>. - _ : @ % +</c>); quotes and
/// anything else stand between tokens. Inside a token, at each start of an alphanumeric run (a "word start"),
/// the first of these that fits is replaced: UUID, e-mail, IPv4 (with :port), IPv6, <c>0x</c> hex, a hex run of
/// 8 or more with a digit and a letter, a number (with decimals). A number is masked at a word start, so
/// <c>5012ms</c> becomes <c>&lt;num&gt;ms</c> while <c>sha256</c> and <c>http2</c> stay, and after one letter
/// that follows a digit (<c>15T10</c>, <c>1h30m</c>). Every matcher either consumes what it scans or looks at a
/// bounded window, which keeps the pass linear.
/// </remarks>
public static class MessagePatterns
{
    public const string Number = "<num>";
    public const string Hex = "<hex>";
    public const string Uuid = "<uuid>";
    public const string Email = "<email>";
    public const string Ip = "<ip>";
    public const string Quoted = "<str>";

    private const int MinHexRun = 8;
    private const int MaxIpv6Length = 45;

    [ThreadStatic]
    private static Output? t_output;

    public static string Mask(string message)
    {
        if (!MayVary(message))
        {
            return message;
        }

        var output = t_output ??= new Output();
        output.Reset(message.Length);
        var noCloseFrom = (Double: int.MaxValue, Single: int.MaxValue);
        var i = 0;
        while (i < message.Length)
        {
            var c = message[i];
            if (c is '"' or '\'' && TryQuoted(message, i, ref noCloseFrom) is var close and > 0)
            {
                output.Append(c);
                output.Mask(Quoted);
                output.Append(c);
                i = close + 1;
            }
            else if (IsTokenChar(c))
            {
                var end = i + 1;
                while (end < message.Length && IsTokenChar(message[end]))
                {
                    end++;
                }

                MaskToken(message, i, end, output);
                i = end;
            }
            else
            {
                output.Append(c);
                i++;
            }
        }

        return output.ToString(message);
    }

    /// <summary>Every placeholder needs a digit, a quote, an @ or a dash (an all-letter UUID); most INFO lines have one.</summary>
    private static bool MayVary(string message) => message.AsSpan().IndexOfAny("0123456789'\"@-") >= 0;

    /// <summary>
    /// The index of the quote closing the one at <paramref name="open"/>, or -1. A single quote opens only after a
    /// non-word character (so <c>don't</c> stays) and closes only before one. Whether a quote can close depends on
    /// its neighbours alone, so once a search from p finds none, none exists from any later p either.
    /// </summary>
    private static int TryQuoted(string s, int open, ref (int Double, int Single) noCloseFrom)
    {
        var q = s[open];
        if (q == '\'' && open > 0 && char.IsLetterOrDigit(s[open - 1]))
        {
            return -1;
        }

        ref var failedFrom = ref q == '"' ? ref noCloseFrom.Double : ref noCloseFrom.Single;
        if (open >= failedFrom)
        {
            return -1;
        }

        for (var j = s.IndexOf(q, open + 1); j >= 0; j = s.IndexOf(q, j + 1))
        {
            var escaped = s[j - 1] == '\\';
            var endsWord = q == '"' || j + 1 == s.Length || !char.IsLetterOrDigit(s[j + 1]);
            if (!escaped && endsWord)
            {
                return j;
            }
        }

        failedFrom = open;
        return -1;
    }

    private static void MaskToken(string s, int start, int end, Output output)
    {
        var email = FindEmail(s, start, end);
        var p = start;
        while (p < end)
        {
            if (p == email.Start)
            {
                output.Mask(Email);
                p = email.End;
                continue;
            }

            var c = s[p];
            var wordStart = p == start || !char.IsLetterOrDigit(s[p - 1]);
            if (wordStart && (char.IsAsciiLetterOrDigit(c) || c == ':' && p + 1 < end && s[p + 1] == ':'))
            {
                var (length, placeholder) = MatchAt(s, p, end);
                if (length > 0)
                {
                    output.Mask(placeholder);
                    p += length;
                }
                else
                {
                    p = CopyRun(s, p, end, output);
                }
            }
            else if (InnerNumberStart(s, p))
            {
                var length = NumberLength(s, p, end);
                output.Mask(Number);
                p += length;
            }
            else
            {
                output.Append(c);
                p++;
            }
        }
    }

    /// <summary>
    /// Copies an alphanumeric run nothing matched at its start, so no later position re-scans it; only numbers
    /// glued between a digit and a letter (<c>15T10</c>, <c>1h30m</c>) are masked inside it.
    /// </summary>
    private static int CopyRun(string s, int p, int end, Output output)
    {
        output.Append(s[p++]);
        while (p < end && char.IsLetterOrDigit(s[p]))
        {
            if (InnerNumberStart(s, p))
            {
                var length = NumberLength(s, p, end);
                output.Mask(Number);
                p += length;
            }
            else
            {
                output.Append(s[p++]);
            }
        }

        return p;
    }

    /// <summary>A digit after one letter after a digit: the hour of <c>2024-01-15T10:30</c>, the minutes of <c>1h30m</c>.</summary>
    private static bool InnerNumberStart(string s, int p) =>
        p >= 2 && char.IsAsciiDigit(s[p]) && char.IsAsciiLetter(s[p - 1]) && char.IsAsciiDigit(s[p - 2]);

    /// <summary>The first mask that fits at a word start: its length in the token, or 0.</summary>
    private static (int Length, string Placeholder) MatchAt(string s, int p, int end)
    {
        if (UuidLength(s, p, end) is var uuid and > 0)
        {
            return (uuid, Uuid);
        }

        if (Ipv4Length(s, p, end) is var ipv4 and > 0)
        {
            return (ipv4, Ip);
        }

        if (Ipv6Length(s, p, end) is var ipv6 and > 0)
        {
            return (ipv6, Ip);
        }

        if (HexLength(s, p, end) is var hex and > 0)
        {
            return (hex, Hex);
        }

        return NumberLength(s, p, end) is var number and > 0 ? (number, Number) : (0, "");
    }

    private static int UuidLength(string s, int p, int end)
    {
        const int length = 36;
        if (end - p < length || p + length < end && char.IsLetterOrDigit(s[p + length]))
        {
            return 0;
        }

        for (var k = 0; k < length; k++)
        {
            var ok = k is 8 or 13 or 18 or 23 ? s[p + k] == '-' : char.IsAsciiHexDigit(s[p + k]);
            if (!ok)
            {
                return 0;
            }
        }

        return length;
    }

    /// <summary>Four octets of at most 255, then an optional <c>:port</c>; nothing alphanumeric may follow.</summary>
    private static int Ipv4Length(string s, int p, int end)
    {
        var k = p;
        for (var octet = 0; octet < 4; octet++)
        {
            if (octet > 0)
            {
                if (k >= end || s[k] != '.')
                {
                    return 0;
                }

                k++;
            }

            var digits = 0;
            var value = 0;
            while (k < end && char.IsAsciiDigit(s[k]) && digits < 4)
            {
                value = value * 10 + (s[k] - '0');
                digits++;
                k++;
            }

            if (digits is 0 or > 3 || value > 255)
            {
                return 0;
            }
        }

        if (k + 1 < end && s[k] == ':' && char.IsAsciiDigit(s[k + 1]))
        {
            var port = k + 1;
            while (port < end && char.IsAsciiDigit(s[port]))
            {
                port++;
            }

            if (port == end || !char.IsLetterOrDigit(s[port]))
            {
                return port - p;
            }
        }

        return k < end && (char.IsLetterOrDigit(s[k]) || s[k] == '.' && k + 1 < end && char.IsAsciiDigit(s[k + 1])) ? 0 : k - p;
    }

    /// <summary>
    /// Hex groups and colons, at most 45 characters. Needs two colons and a digit, and either <c>::</c>, a hex
    /// letter or seven colons, so that a time such as <c>10:30:00</c> stays three numbers.
    /// </summary>
    private static int Ipv6Length(string s, int p, int end)
    {
        var k = p;
        int colons = 0, digits = 0, letters = 0;
        var doubleColon = false;
        while (k < end && k - p < MaxIpv6Length && (char.IsAsciiHexDigit(s[k]) || s[k] == ':'))
        {
            if (s[k] == ':')
            {
                colons++;
                doubleColon |= k > p && s[k - 1] == ':';
            }
            else if (char.IsAsciiDigit(s[k]))
            {
                digits++;
            }
            else
            {
                letters++;
            }

            k++;
        }

        while (k > p && s[k - 1] == ':' && !(k - 2 >= p && s[k - 2] == ':'))
        {
            k--;
            colons--;
        }

        var looksLikeIp = colons >= 2 && digits > 0 && (doubleColon || letters > 0 || colons == 7);
        return looksLikeIp && (k == end || !char.IsLetterOrDigit(s[k])) ? k - p : 0;
    }

    /// <summary><c>0x</c> and hex digits, or a whole alphanumeric run of 8+ hex digits holding both a digit and a letter.</summary>
    private static int HexLength(string s, int p, int end)
    {
        if (s[p] == '0' && p + 2 < end && s[p + 1] is 'x' or 'X' && char.IsAsciiHexDigit(s[p + 2]))
        {
            var k = p + 2;
            while (k < end && char.IsAsciiHexDigit(s[k]))
            {
                k++;
            }

            return k - p;
        }

        int run = p, digits = 0, letters = 0;
        while (run < end && char.IsAsciiHexDigit(s[run]))
        {
            if (char.IsAsciiDigit(s[run]))
            {
                digits++;
            }
            else
            {
                letters++;
            }

            run++;
        }

        var wholeRun = run == end || !char.IsLetterOrDigit(s[run]);
        return wholeRun && run - p >= MinHexRun && digits > 0 && letters > 0 ? run - p : 0;
    }

    /// <summary>Digits with an optional decimal part.</summary>
    private static int NumberLength(string s, int p, int end)
    {
        var k = p;
        while (k < end && char.IsAsciiDigit(s[k]))
        {
            k++;
        }

        if (k == p)
        {
            return 0;
        }

        if (k + 1 < end && s[k] == '.' && char.IsAsciiDigit(s[k + 1]))
        {
            k++;
            while (k < end && char.IsAsciiDigit(s[k]))
            {
                k++;
            }
        }

        return k - p;
    }

    /// <summary>
    /// The one e-mail address a token may hold, as (start, end), or (-1, -1): found from the token's first <c>@</c>
    /// once, so the scan stays linear however many word starts the token has.
    /// </summary>
    private static (int Start, int End) FindEmail(string s, int start, int end)
    {
        var at = s.IndexOf('@', start, end - start);
        if (at <= start)
        {
            return (-1, -1);
        }

        var local = at;
        while (local > start && (char.IsAsciiLetterOrDigit(s[local - 1]) || s[local - 1] is '.' or '_' or '%' or '+' or '-'))
        {
            local--;
        }

        while (local < at && !char.IsAsciiLetterOrDigit(s[local]))
        {
            local++;
        }

        var domainEnd = at + 1;
        var lastDot = -1;
        while (domainEnd < end && (char.IsAsciiLetterOrDigit(s[domainEnd]) || s[domainEnd] is '.' or '-'))
        {
            if (s[domainEnd] == '.')
            {
                lastDot = domainEnd;
            }

            domainEnd++;
        }

        while (domainEnd > at + 1 && s[domainEnd - 1] is '.' or '-')
        {
            domainEnd--;
        }

        var valid = local < at && lastDot > at + 1 && lastDot < domainEnd - 1;
        return valid ? (local, domainEnd) : (-1, -1);
    }

    private static bool IsTokenChar(char c) => char.IsLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '@' or '%' or '+';

    /// <summary>
    /// A reused buffer sized up front: a placeholder is at most five characters per character it replaces (a lone
    /// digit becomes &lt;num&gt;), so appends need no bounds checks beyond the array's own.
    /// </summary>
    private sealed class Output
    {
        private const int MaxKept = 16 * 1024;
        private char[] _buffer = new char[256];
        private int _length;
        private bool _masked;

        public void Reset(int inputLength)
        {
            var needed = inputLength * 5 + 8;
            if (_buffer.Length < needed || _buffer.Length > MaxKept && needed <= MaxKept)
            {
                _buffer = new char[Math.Max(needed, 256)];
            }

            _length = 0;
            _masked = false;
        }

        public void Append(char c) => _buffer[_length++] = c;

        public void Mask(string placeholder)
        {
            placeholder.CopyTo(_buffer.AsSpan(_length));
            _length += placeholder.Length;
            _masked = true;
        }

        /// <summary>The input itself when nothing was masked, so unmasked messages cost no allocation.</summary>
        public string ToString(string input) => _masked ? new string(_buffer, 0, _length) : input;
    }
}
