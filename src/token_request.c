/*
 * token_request.c
 *		permissions.authenticate_request(): the identity of a web request
 *		served through PostgREST (its db-pre-request function), from the
 *		bearer token of the request's Authorization header.
 *
 * PostgREST runs each request as one transaction: it sets request.headers
 * (a JSON object of the request's headers, names in lower case) with
 * set_config(..., true), switches to the role its own JWT check chose,
 * calls the pre-request function, then runs the request's query.  Here:
 *
 *	- no Authorization header (or an empty one), or a bearer token that
 *	  names no subject (no "sub": Supabase's anon key): an anonymous
 *	  request; every credential and token identity is ended and NULL is
 *	  returned, so nobody acts;
 *	- "Bearer <token>" (scheme in any case): authenticate_token(token) for
 *	  the transaction: the user, or the error "invalid token";
 *	- anything else (another scheme, several Authorization members, a
 *	  request.headers that is not one JSON object, a header of more than
 *	  MAX_HEADERS_LEN bytes): the error "invalid token", nobody acting.
 *
 * Nothing else of the request counts: request.jwt.claims, the role
 * PostgREST switched to, and every other request.* setting are ignored.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "identity.h"
#include "jws.h"
#include "token.h"

PG_FUNCTION_INFO_V1(token_authenticate_request);

#define HEADERS_GUC "request.headers"
#define MAX_HEADERS_LEN (256 * 1024)
#define VIA "the authorization header (authenticate_request())"

/* Whether a byte is optional whitespace of an HTTP field value. */
static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Whether the token's claims are a JSON object without "sub": a token that
 * names nobody, such as Supabase's anon key.  False for anything that is
 * not a readable compact JWS; authenticate_token() refuses those.
 */
static bool
names_no_subject(const char *token, int len)
{
	JwsParts	parts;
	unsigned char *payload;
	int			payload_len;
	JwsField	sub = {.name = "sub"};

	return len <= JWS_MAX_TOKEN_LEN && jws_split(token, len, &parts) &&
		jws_base64url_decode(parts.payload, parts.payload_len, &payload, &payload_len) &&
		jws_json_fields((char *) payload, payload_len, &sub, 1) &&
		sub.kind == JWS_ABSENT;
}

/*
 * permissions.authenticate_request() returns bigint
 *		Makes the transaction act as the user of the request's bearer token,
 *		or as nobody for an anonymous request; returns the user id or NULL.
 */
Datum
token_authenticate_request(PG_FUNCTION_ARGS)
{
	const char *headers = GetConfigOption(HEADERS_GUC, true, false);
	JwsField	auth = {.name = "authorization"};
	int			count;
	char	   *value;
	char	   *end;
	char	   *token;
	int			scheme_len;

	if (headers == NULL || headers[0] == '\0')
	{
		identity_end_all();
		PG_RETURN_NULL();
	}
	if (strlen(headers) > MAX_HEADERS_LEN)
		token_refused_unread(VIA, psprintf("the request.headers setting has %zu bytes, more than the %d accepted",
										   strlen(headers), MAX_HEADERS_LEN));
	if (!jws_json_member(headers, strlen(headers), "authorization", &auth, &count))
		token_refused_unread(VIA, "the request.headers setting is not one JSON object");
	if (count > 1)
		token_refused_unread(VIA, psprintf("request.headers has %d authorization members", count));
	if (count == 0)
	{
		identity_end_all();
		PG_RETURN_NULL();
	}
	if (auth.kind != JWS_STRING)
		token_refused_unread(VIA, "the authorization header is not a string");

	/* trim the field value's optional whitespace */
	value = auth.str;
	while (is_ows(*value))
		value++;
	end = value + strlen(value);
	while (end > value && is_ows(end[-1]))
		end--;
	*end = '\0';
	if (value[0] == '\0')
	{
		identity_end_all();
		PG_RETURN_NULL();
	}

	/* credentials = auth-scheme 1*SP token68 (RFC 9110 section 11.4) */
	scheme_len = strcspn(value, " \t");
	token = value + scheme_len;
	while (*token == ' ')
		token++;
	if (scheme_len != 6 || pg_strncasecmp(value, "bearer", 6) != 0 || token == value + scheme_len)
		token_refused_unread(VIA, "the authorization header is not \"Bearer <token>\"");
	if (token[0] == '\0' || token[strcspn(token, " \t")] != '\0')
		token_refused_unread(VIA, "the authorization header's bearer token is empty or has spaces");

	if (names_no_subject(token, strlen(token)))
	{
		identity_end_all();
		PG_RETURN_NULL();
	}
	PG_RETURN_INT64(token_authenticate_core(token, strlen(token), false, VIA));
}
