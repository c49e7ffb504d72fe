/* server.h - `baton serve`: the web UI and JSON API on GNU libmicrohttpd.
 *
 * See docs/web.md for the pages, the API, authentication and the threading
 * model. The server reads through one read-only SQLite connection per
 * worker thread and opens a short-lived read-write connection for each
 * write; it stops cleanly on SIGINT or SIGTERM.
 */
#ifndef BATON_WEB_SERVER_H
#define BATON_WEB_SERVER_H

#include "error.h"

/* Defaults of the limits below (see docs/security.md). */
#define WEB_TIMEOUT_DEFAULT 15
#define WEB_CONNECTIONS_DEFAULT 64
#define WEB_SESSION_DEFAULT (12 * 3600)

struct web_config {
	const char *db_path;
	const char *address;   /* numeric IPv4 or IPv6 address to listen on */
	unsigned short port;   /* 0: any free port */
	int read_only;         /* refuse every write with 403 */
	const char *fixed_now; /* YYYY-MM-DDTHH:MM:SSZ to fix the clock, or NULL */
	unsigned timeout;      /* seconds of client inactivity before closing;
				  0: WEB_TIMEOUT_DEFAULT */
	unsigned max_connections; /* concurrent connections, more are closed at
				     once; 0: WEB_CONNECTIONS_DEFAULT */
	long session_seconds;  /* lifetime of a login session, 1..43200;
				  0: WEB_SESSION_DEFAULT */
	/* Called once the server listens, with its base URL. */
	void (*ready)(const char *url, void *arg);
	void *ready_arg;
};

/* Run the server until SIGINT or SIGTERM. Opens (and migrates) the
 * database read-write once at start. BATON_USAGE for a bad address,
 * BATON_IO when the port cannot be bound, store errors otherwise. */
enum baton_code web_serve(const struct web_config *cfg,
			  struct baton_error *err);

#endif
