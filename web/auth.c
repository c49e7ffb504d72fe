/* auth.c - write tokens, login sessions and CSRF tokens (see auth.h). */
#include "auth.h"
#include "entity.h"
#include "model.h"
#include "query.h"

#include <sodium.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Hashing                                                             */
/* ------------------------------------------------------------------ */

/* hex(BLAKE2b-256(text)): what the database keeps instead of a secret. */
static void hash_hex(const char *text, char out[AUTH_HEX_LEN])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)text,
			   strlen(text), NULL, 0);
	sodium_bin2hex(out, AUTH_HEX_LEN, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
}

static void random_hex(char out[AUTH_HEX_LEN])
{
	unsigned char b[32];

	randombytes_buf(b, sizeof(b));
	sodium_bin2hex(out, AUTH_HEX_LEN, b, sizeof(b));
	sodium_memzero(b, sizeof(b));
}

/* A secret we issued is exactly 64 lowercase hex digits. */
static int secret_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

void auth_csrf(const char *sid, char out[AUTH_HEX_LEN])
{
	static const char label[] = "baton csrf v1";
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)label,
			   sizeof(label) - 1, (const unsigned char *)sid,
			   strlen(sid) < crypto_generichash_KEYBYTES_MAX ?
			   strlen(sid) : crypto_generichash_KEYBYTES_MAX);
	sodium_bin2hex(out, AUTH_HEX_LEN, h, sizeof(h));
}

int auth_csrf_ok(const char *sid, const char *given)
{
	char want[AUTH_HEX_LEN];

	if (!sid || !given || strlen(given) != 64)
		return 0;
	auth_csrf(sid, want);
	return sodium_memcmp(want, given, 64) == 0;
}

/* ------------------------------------------------------------------ */
/* Tokens                                                              */
/* ------------------------------------------------------------------ */

static enum baton_code step_done(struct store *st, sqlite3_stmt *s,
				 struct baton_error *err, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return BATON_OK;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return BATON_CONFLICT;
	return store_fail(st, err, what);
}

enum baton_code auth_token_create(struct store *st, const char *name,
				  char token_out[AUTH_HEX_LEN],
				  struct baton_error *err)
{
	static const char sql[] =
		"INSERT INTO web_token(name, hash, created_at, created_by)"
		" VALUES (?1, ?2, ?3, ?4)";
	char hash[AUTH_HEX_LEN];
	sqlite3_stmt *s;
	enum baton_code rc;

	token_out[0] = '\0';
	if (!name_valid(name))
		return baton_fail(err, BATON_INVALID,
			"'%s' is not a valid token name (letters, digits, '-', '_', '.')",
			name);
	random_hex(token_out);
	hash_hex(token_out, hash);
	if ((rc = store_begin(st, err)))
		goto out;
	if (!(s = store_cached(st, sql, err))) {
		rc = err ? err->code : BATON_DB;
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, st->now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, st->actor, -1, SQLITE_STATIC);
	rc = step_done(st, s, err, "cannot store the token");
	sqlite3_reset(s);
	if (rc == BATON_CONFLICT)
		rc = baton_fail(err, BATON_CONFLICT, "a token named '%s' exists already",
				name);
	if (rc)
		goto out;
	{
		char entity[80];

		snprintf(entity, sizeof(entity), "token/%s", name);
		if ((rc = event_add(st, entity, "create", NULL, NULL, err)))
			goto out;
	}
	rc = store_commit(st, err);
out:
	if (rc) {
		store_rollback(st);
		sodium_memzero(token_out, AUTH_HEX_LEN);
		token_out[0] = '\0';
	}
	return rc;
}

enum baton_code auth_token_list(struct store *st, json_t **out,
				struct baton_error *err)
{
	static const char sql[] =
		"SELECT json_group_array(json_object('name', name, 'createdAt',"
		" created_at, 'createdBy', created_by, 'lastUsed', last_used))"
		" FROM (SELECT * FROM web_token ORDER BY name)";

	return query_json(st, sql, NULL, 0, out, err);
}

enum baton_code auth_token_revoke(struct store *st, const char *name,
				  struct baton_error *err)
{
	static const char del_sessions[] = "DELETE FROM web_session WHERE token = ?1";
	static const char del_token[] = "DELETE FROM web_token WHERE name = ?1";
	sqlite3_stmt *s;
	enum baton_code rc;
	char entity[80];

	if ((rc = store_begin(st, err)))
		return rc;
	if (!(s = store_cached(st, del_sessions, err)))
		goto fail;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = step_done(st, s, err, "cannot delete sessions")))
		goto out;
	if (!(s = store_cached(st, del_token, err)))
		goto fail;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if ((rc = step_done(st, s, err, "cannot delete the token")))
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = baton_fail(err, BATON_NOTFOUND, "no token named '%s'", name);
		goto out;
	}
	snprintf(entity, sizeof(entity), "token/%s", name);
	if ((rc = event_add(st, entity, "revoke", NULL, NULL, err)))
		goto out;
	rc = store_commit(st, err);
	goto out;
fail:
	rc = err && err->code ? err->code : BATON_DB;
out:
	if (rc)
		store_rollback(st);
	return rc;
}

/* Run `sql` binding ?1 (and ?2 as an integer when n2 is given); copy the
 * first column of the first row into name_out. */
static enum baton_code lookup_name(struct store *st, const char *sql,
				   const char *p1, const long long *n2,
				   char name_out[64], struct baton_error *err)
{
	sqlite3_stmt *s;
	int rc;

	name_out[0] = '\0';
	if (!(s = store_cached(st, sql, err)))
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, p1, -1, SQLITE_STATIC);
	if (n2)
		sqlite3_bind_int64(s, 2, *n2);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(name_out, 64, "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_reset(s);
		return BATON_OK;
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE)
		return BATON_NOTFOUND;
	return store_fail(st, err, "cannot read tokens");
}

enum baton_code auth_token_find(struct store *st, const char *token,
				char name_out[64], struct baton_error *err)
{
	static const char sql[] = "SELECT name FROM web_token WHERE hash = ?1";
	char hash[AUTH_HEX_LEN];

	name_out[0] = '\0';
	if (!secret_valid(token))
		return BATON_NOTFOUND;
	hash_hex(token, hash);
	return lookup_name(st, sql, hash, NULL, name_out, err);
}

enum baton_code auth_token_touch(struct store *st, const char *name,
				 struct baton_error *err)
{
	static const char sql[] = "UPDATE web_token SET last_used = ?2 WHERE name = ?1";
	sqlite3_stmt *s;
	enum baton_code rc;

	if (!(s = store_cached(st, sql, err)))
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, st->now, -1, SQLITE_STATIC);
	rc = step_done(st, s, err, "cannot update the token");
	sqlite3_reset(s);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */
/* ------------------------------------------------------------------ */

enum baton_code auth_session_create(struct store *st, const char *name,
				    long long expires,
				    char sid_out[AUTH_HEX_LEN],
				    struct baton_error *err)
{
	static const char sql[] =
		"INSERT INTO web_session(hash, token, created_at, expires)"
		" VALUES (?1, ?2, ?3, ?4)";
	static const char purge[] = "DELETE FROM web_session WHERE expires <= ?1";
	char hash[AUTH_HEX_LEN];
	sqlite3_stmt *s;
	enum baton_code rc;

	random_hex(sid_out);
	hash_hex(sid_out, hash);
	if (!(s = store_cached(st, purge, err)))
		goto fail;
	sqlite3_bind_int64(s, 1, expires - 12 * 3600);
	rc = step_done(st, s, err, "cannot purge sessions");
	sqlite3_reset(s);
	if (rc)
		goto out;
	if (!(s = store_cached(st, sql, err)))
		goto fail;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, st->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, expires);
	rc = step_done(st, s, err, "cannot store the session");
	sqlite3_reset(s);
	goto out;
fail:
	rc = err && err->code ? err->code : BATON_DB;
out:
	if (rc)
		sid_out[0] = '\0';
	return rc;
}

enum baton_code auth_session_find(struct store *st, const char *sid,
				  long long now_unix, char name_out[64],
				  struct baton_error *err)
{
	static const char sql[] =
		"SELECT token FROM web_session WHERE hash = ?1 AND expires > ?2";
	char hash[AUTH_HEX_LEN];

	name_out[0] = '\0';
	if (!secret_valid(sid))
		return BATON_NOTFOUND;
	hash_hex(sid, hash);
	return lookup_name(st, sql, hash, &now_unix, name_out, err);
}

enum baton_code auth_session_delete(struct store *st, const char *sid,
				    struct baton_error *err)
{
	static const char sql[] = "DELETE FROM web_session WHERE hash = ?1";
	char hash[AUTH_HEX_LEN];
	sqlite3_stmt *s;
	enum baton_code rc;

	if (!secret_valid(sid))
		return BATON_OK;
	hash_hex(sid, hash);
	if (!(s = store_cached(st, sql, err)))
		return err && err->code ? err->code : BATON_DB;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	rc = step_done(st, s, err, "cannot delete the session");
	sqlite3_reset(s);
	return rc;
}
