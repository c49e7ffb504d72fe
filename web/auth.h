/* auth.h - write tokens, login sessions and CSRF tokens for `baton serve`.
 *
 * A token is 32 random bytes (libsodium randombytes_buf) shown once as 64
 * hex digits; only its BLAKE2b-256 hash is stored (schemas/005_web.sql).
 * A session id is made the same way and kept hashed too. The CSRF token of
 * a session is a keyed BLAKE2b of a fixed label with the session id as the
 * key, so it needs no storage and changes with every login. Callers must
 * have called sodium_init() once.
 */
#ifndef BATON_WEB_AUTH_H
#define BATON_WEB_AUTH_H

#include <jansson.h>

#include "error.h"
#include "store.h"

/* Hex text of a 32-byte secret: 64 digits and the NUL. */
#define AUTH_HEX_LEN 65

/* Create token `name` (a valid entity name) and write its text into
 * `token_out`. BATON_CONFLICT when the name is taken, BATON_INVALID for a bad
 * name. Runs its own transaction and records event "token/NAME". */
enum baton_code auth_token_create(struct store *st, const char *name,
				  char token_out[AUTH_HEX_LEN],
				  struct baton_error *err);
/* [{"name","createdAt","createdBy","lastUsed"}] sorted by name; never the
 * token or its hash. */
enum baton_code auth_token_list(struct store *st, json_t **out,
				struct baton_error *err);
/* Delete token `name` and its sessions. BATON_NOTFOUND when absent. */
enum baton_code auth_token_revoke(struct store *st, const char *name,
				  struct baton_error *err);
/* Look up the token whose text is `token`; on success its name goes into
 * name_out (at most 64 bytes with the NUL). BATON_NOTFOUND for an unknown
 * token. Read-only. */
enum baton_code auth_token_find(struct store *st, const char *token,
				char name_out[64], struct baton_error *err);
/* Note a write made with token `name` at st->now. */
enum baton_code auth_token_touch(struct store *st, const char *name,
				 struct baton_error *err);

/* Start a session for token `name` lasting until Unix time `expires`; the
 * session id (to put in the cookie) goes into sid_out. */
enum baton_code auth_session_create(struct store *st, const char *name,
				    long long expires,
				    char sid_out[AUTH_HEX_LEN],
				    struct baton_error *err);
/* The token name of a live session (expires > now_unix) into name_out;
 * BATON_NOTFOUND for an unknown or expired session. Read-only. */
enum baton_code auth_session_find(struct store *st, const char *sid,
				  long long now_unix, char name_out[64],
				  struct baton_error *err);
/* End a session (logout); no error when it does not exist. */
enum baton_code auth_session_delete(struct store *st, const char *sid,
				    struct baton_error *err);

/* The CSRF token of session `sid` (hex) into out. */
void auth_csrf(const char *sid, char out[AUTH_HEX_LEN]);
/* 1 when `given` is the CSRF token of `sid`, compared in constant time. */
int auth_csrf_ok(const char *sid, const char *given);

#endif
