/*
 * jws.c
 *		Reading the compact serialization of a JSON Web Signature: the three
 *		base64url parts of a token, and the JSON of its header and claims.
 *
 * Everything here reads bytes an attacker chose, so it is strict and never
 * raises an error: a function either returns what it read or false.
 *
 * - base64url (RFC 4648 section 5) without padding; trailing bits must be
 *   zero, so each byte string has exactly one encoding.
 * - JSON (RFC 8259): UTF-8 only, no control characters in strings, no
 *   \u0000, no lone surrogates, nesting at most JSON_MAX_DEPTH deep.  The
 *   top level must be an object whose member names are unique (RFC 7515
 *   section 5.2 allows refusing duplicates, and a reader that kept either
 *   one would disagree with some other reader of the same token).
 */
#include "postgres.h"

#include <math.h>

#include "mb/pg_wchar.h"

#include "jws.h"

#define JSON_MAX_DEPTH 32
#define JSON_MAX_MEMBERS 64		/* top-level members of one object */
#define JSON_MAX_ITEMS 64		/* strings kept from one requested array */
#define JSON_MAX_NUMBER 64		/* longest number literal converted */

typedef struct JsonReader
{
	const unsigned char *p;
	const unsigned char *end;
} JsonReader;

static bool read_value(JsonReader *r, int depth, JwsField *capture);

/* The value of a base64url digit, or -1. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decodes unpadded base64url into a palloc'd buffer (NUL-terminated for
 * convenience, the terminator not counted).  False on any other character,
 * an impossible length or non-zero trailing bits.
 */
bool
jws_base64url_decode(const char *in, int len, unsigned char **out, int *outlen)
{
	unsigned char *buf;
	uint32		acc = 0;
	int			bits = 0;
	int			n = 0;
	int			i;

	if (len < 0 || len % 4 == 1)
		return false;
	buf = palloc((len / 4) * 3 + 3);
	for (i = 0; i < len; i++)
	{
		int			v = b64url_value((unsigned char) in[i]);

		if (v < 0)
		{
			pfree(buf);
			return false;
		}
		acc = (acc << 6) | (uint32) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			buf[n++] = (unsigned char) (acc >> bits);
			acc &= (1U << bits) - 1;
		}
	}
	if (acc != 0)
	{
		pfree(buf);
		return false;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return true;
}

/*
 * Splits a compact JWS into header, payload and signature: exactly two
 * dots, only base64url characters, header and payload not empty.
 */
bool
jws_split(const char *token, int len, JwsParts *parts)
{
	int			dots[2];
	int			ndots = 0;
	int			i;

	if (len <= 0 || len > JWS_MAX_TOKEN_LEN)
		return false;
	for (i = 0; i < len; i++)
	{
		if (token[i] == '.')
		{
			if (ndots == 2)
				return false;
			dots[ndots++] = i;
		}
		else if (b64url_value((unsigned char) token[i]) < 0)
			return false;
	}
	if (ndots != 2 || dots[0] == 0 || dots[1] == dots[0] + 1)
		return false;
	parts->header = token;
	parts->header_len = dots[0];
	parts->payload = token + dots[0] + 1;
	parts->payload_len = dots[1] - dots[0] - 1;
	parts->signature = token + dots[1] + 1;
	parts->signature_len = len - dots[1] - 1;
	parts->signing_input_len = dots[1];
	return true;
}

/* Skips JSON whitespace. */
static void
skip_ws(JsonReader *r)
{
	while (r->p < r->end &&
		   (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* Reads four hex digits. */
static bool
read_hex4(JsonReader *r, uint32 *value)
{
	uint32		v = 0;
	int			i;

	if (r->end - r->p < 4)
		return false;
	for (i = 0; i < 4; i++)
	{
		unsigned char c = r->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return false;
	}
	r->p += 4;
	*value = v;
	return true;
}

/*
 * Length of the well-formed UTF-8 sequence of a non-ASCII byte at p
 * (shortest form, no surrogates, at most U+10FFFF), or 0.
 */
static int
utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	int			n = pg_utf_mblen(p);

	if (n < 2 || end - p < n || !pg_utf8_islegal(p, n))
		return 0;
	return n;
}

/*
 * Reads a string (the reader is on its opening quote).  With out, the
 * decoded string is returned palloc'd and NUL-terminated; \u0000 is refused
 * so that the result is a C string.
 */
static bool
read_string(JsonReader *r, char **out, int *outlen)
{
	const unsigned char *start;
	unsigned char *buf = NULL;
	int			n = 0;

	if (r->p >= r->end || *r->p != '"')
		return false;
	r->p++;
	start = r->p;
	if (out)
		buf = palloc((r->end - start) + 1);
	while (r->p < r->end)
	{
		unsigned char c = *r->p;

		if (c == '"')
		{
			r->p++;
			if (out)
			{
				buf[n] = '\0';
				*out = (char *) buf;
				*outlen = n;
			}
			return true;
		}
		if (c < 0x20)
			break;
		if (c == '\\')
		{
			unsigned char e;
			uint32		cp;

			r->p++;
			if (r->p >= r->end)
				break;
			e = *r->p++;
			switch (e)
			{
				case '"':
				case '\\':
				case '/':
					cp = e;
					break;
				case 'b':
					cp = '\b';
					break;
				case 'f':
					cp = '\f';
					break;
				case 'n':
					cp = '\n';
					break;
				case 'r':
					cp = '\r';
					break;
				case 't':
					cp = '\t';
					break;
				case 'u':
					if (!read_hex4(r, &cp))
						goto fail;
					if (cp >= 0xDC00 && cp <= 0xDFFF)
						goto fail;	/* lone low surrogate */
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						uint32		lo;

						if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
							goto fail;
						r->p += 2;
						if (!read_hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
							goto fail;
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					}
					if (cp == 0)
						goto fail;
					break;
				default:
					goto fail;
			}
			if (out)
			{
				unicode_to_utf8(cp, buf + n);
				n += pg_utf_mblen(buf + n);
			}
			continue;
		}
		if (c < 0x80)
		{
			if (out)
				buf[n++] = c;
			r->p++;
		}
		else
		{
			int			len = utf8_sequence(r->p, r->end);

			if (len == 0)
				break;
			if (out)
			{
				memcpy(buf + n, r->p, len);
				n += len;
			}
			r->p += len;
		}
	}
fail:
	if (buf)
		pfree(buf);
	return false;
}

/*
 * Reads a number; with value, converts it (false for a literal longer than
 * JSON_MAX_NUMBER or one that is not finite).
 */
static bool
read_number(JsonReader *r, double *value, bool *converted)
{
	const unsigned char *start = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end)
		return false;
	if (*r->p == '0')
		r->p++;
	else if (*r->p >= '1' && *r->p <= '9')
	{
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	else
		return false;
	if (r->p < r->end && *r->p == '.')
	{
		r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return false;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
	{
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || *r->p < '0' || *r->p > '9')
			return false;
		while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			r->p++;
	}
	*converted = false;
	if (value && r->p - start <= JSON_MAX_NUMBER)
	{
		char		lit[JSON_MAX_NUMBER + 1];
		double		d;

		memcpy(lit, start, r->p - start);
		lit[r->p - start] = '\0';
		d = strtod(lit, NULL);
		if (isfinite(d))
		{
			*value = d;
			*converted = true;
		}
	}
	return true;
}

/* Reads a literal word (true, false, null). */
static bool
read_word(JsonReader *r, const char *word)
{
	size_t		len = strlen(word);

	if ((size_t) (r->end - r->p) < len || memcmp(r->p, word, len) != 0)
		return false;
	r->p += len;
	return true;
}

/* Reads an object (the reader is on its '{'); members are not kept. */
static bool
read_object(JsonReader *r, int depth)
{
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}')
	{
		r->p++;
		return true;
	}
	for (;;)
	{
		skip_ws(r);
		if (!read_string(r, NULL, NULL))
			return false;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return false;
		r->p++;
		if (!read_value(r, depth + 1, NULL))
			return false;
		skip_ws(r);
		if (r->p >= r->end)
			return false;
		if (*r->p == '}')
		{
			r->p++;
			return true;
		}
		if (*r->p != ',')
			return false;
		r->p++;
	}
}

/*
 * Reads an array (the reader is on its '[').  With capture, an array of
 * strings only (at most JSON_MAX_ITEMS) is kept as JWS_STRING_ARRAY, any
 * other array is JWS_OTHER.
 */
static bool
read_array(JsonReader *r, int depth, JwsField *capture)
{
	bool		all_strings = true;
	char	  **items = NULL;
	int			nitems = 0;

	if (capture)
		items = palloc(sizeof(char *) * JSON_MAX_ITEMS);
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']')
		r->p++;
	else
	{
		for (;;)
		{
			skip_ws(r);
			if (capture && all_strings && r->p < r->end && *r->p == '"' &&
				nitems < JSON_MAX_ITEMS)
			{
				int			len;

				if (!read_string(r, &items[nitems], &len))
					return false;
				nitems++;
			}
			else
			{
				all_strings = false;
				if (!read_value(r, depth + 1, NULL))
					return false;
			}
			skip_ws(r);
			if (r->p >= r->end)
				return false;
			if (*r->p == ']')
			{
				r->p++;
				break;
			}
			if (*r->p != ',')
				return false;
			r->p++;
		}
	}
	if (capture)
	{
		capture->kind = all_strings ? JWS_STRING_ARRAY : JWS_OTHER;
		capture->items = items;
		capture->nitems = all_strings ? nitems : 0;
	}
	return true;
}

/* Reads any value; with capture, keeps strings, numbers and string arrays. */
static bool
read_value(JsonReader *r, int depth, JwsField *capture)
{
	if (depth > JSON_MAX_DEPTH)
		return false;
	skip_ws(r);
	if (r->p >= r->end)
		return false;
	if (capture)
		capture->kind = JWS_OTHER;
	switch (*r->p)
	{
		case '{':
			return read_object(r, depth);
		case '[':
			return read_array(r, depth, capture);
		case '"':
			if (!capture)
				return read_string(r, NULL, NULL);
			if (!read_string(r, &capture->str, &capture->str_len))
				return false;
			capture->kind = JWS_STRING;
			return true;
		case 't':
			return read_word(r, "true");
		case 'f':
			return read_word(r, "false");
		case 'n':
			return read_word(r, "null");
		default:
			{
				bool		converted;

				if (!read_number(r, capture ? &capture->num : NULL, &converted))
					return false;
				if (capture && converted)
					capture->kind = JWS_NUMBER;
				return true;
			}
	}
}

/*
 * Reads a JSON text that must be one object, and fills in the requested
 * top-level members (the rest are checked and skipped).  False when the
 * text is not exactly one well-formed object, or repeats a member name.
 */
bool
jws_json_fields(const char *json, int len, JwsField *fields, int nfields)
{
	JsonReader	r;
	char	   *names[JSON_MAX_MEMBERS];
	int			nnames = 0;
	int			i;

	for (i = 0; i < nfields; i++)
	{
		fields[i].kind = JWS_ABSENT;
		fields[i].str = NULL;
		fields[i].str_len = 0;
		fields[i].num = 0;
		fields[i].items = NULL;
		fields[i].nitems = 0;
	}
	r.p = (const unsigned char *) json;
	r.end = r.p + len;
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{')
		return false;
	r.p++;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}')
		r.p++;
	else
	{
		for (;;)
		{
			char	   *name;
			int			name_len;
			JwsField   *capture = NULL;

			skip_ws(&r);
			if (nnames == JSON_MAX_MEMBERS || !read_string(&r, &name, &name_len))
				return false;
			for (i = 0; i < nnames; i++)
				if (strcmp(names[i], name) == 0)
					return false;	/* a repeated member */
			names[nnames++] = name;
			for (i = 0; i < nfields; i++)
				if (strcmp(fields[i].name, name) == 0)
					capture = &fields[i];
			skip_ws(&r);
			if (r.p >= r.end || *r.p != ':')
				return false;
			r.p++;
			if (!read_value(&r, 1, capture))
				return false;
			skip_ws(&r);
			if (r.p >= r.end)
				return false;
			if (*r.p == '}')
			{
				r.p++;
				break;
			}
			if (*r.p != ',')
				return false;
			r.p++;
		}
	}
	skip_ws(&r);
	return r.p == r.end;
}

/*
 * Reads a JSON text that must be one object, and fills in the member whose
 * name equals name regardless of ASCII case (the first one, with *count
 * telling how many there were).  Other members are checked and skipped,
 * however many there are.  False when the text is not exactly one
 * well-formed object.
 */
bool
jws_json_member(const char *json, int len, const char *name, JwsField *field, int *count)
{
	JsonReader	r;

	field->kind = JWS_ABSENT;
	field->str = NULL;
	field->str_len = 0;
	field->items = NULL;
	field->nitems = 0;
	*count = 0;
	r.p = (const unsigned char *) json;
	r.end = r.p + len;
	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{')
		return false;
	r.p++;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}')
		r.p++;
	else
	{
		for (;;)
		{
			char	   *member;
			int			member_len;
			bool		match;

			JsonReader	sub;

			skip_ws(&r);
			/* skip the name first, then decode only its bytes */
			sub.p = r.p;
			if (!read_string(&r, NULL, NULL))
				return false;
			sub.end = r.p;
			if (!read_string(&sub, &member, &member_len))
				return false;
			match = pg_strcasecmp(member, name) == 0 && (int) strlen(name) == member_len;
			pfree(member);
			skip_ws(&r);
			if (r.p >= r.end || *r.p != ':')
				return false;
			r.p++;
			if (match)
				(*count)++;
			if (!read_value(&r, 1, match && *count == 1 ? field : NULL))
				return false;
			skip_ws(&r);
			if (r.p >= r.end)
				return false;
			if (*r.p == '}')
			{
				r.p++;
				break;
			}
			if (*r.p != ',')
				return false;
			r.p++;
		}
	}
	skip_ws(&r);
	return r.p == r.end;
}
