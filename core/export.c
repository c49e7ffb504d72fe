/* export.c - database to YAML through libyaml's emitter; see export.h. */
#include "export.h"
#include "entity.h"

#include <ctype.h>
#include <strings.h>
#include <jansson.h>
#include <string.h>
#include <yaml.h>

const enum kind export_order[] = {
	KIND_TEAM, KIND_PERSON, KIND_ROLE, KIND_PROCESS, KIND_RULE, KIND_NONE
};

struct emit {
	yaml_emitter_t em;
	yaml_event_t ev;
	int failed;
};

static int write_handler(void *data, unsigned char *buf, size_t size)
{
	struct strbuf *sb = data;

	strbuf_add(sb, buf, size);
	return strbuf_ok(sb);
}

static void emit(struct emit *e)
{
	if (!e->failed && !yaml_emitter_emit(&e->em, &e->ev))
		e->failed = 1;
}

/* Would a YAML reader take this plain string for something else? */
static int looks_typed(const char *s)
{
	static const char *const words[] = {
		"", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", NULL
	};
	const char *p = s;
	int i;

	for (i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return 1;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return 0;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p) && *p != '.' && *p != '_' &&
		    *p != 'e' && *p != 'E' && *p != ':' && *p != '-')
			return 0;
	return 1;
}

static void scalar(struct emit *e, const char *s, int plain_ok)
{
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (strchr(s, '\n'))
		style = YAML_LITERAL_SCALAR_STYLE;
	else if (!plain_ok || looks_typed(s))
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	if (e->failed)
		return;
	yaml_scalar_event_initialize(&e->ev, NULL, NULL, (yaml_char_t *)s,
				     (int)strlen(s), 1, 1, style);
	emit(e);
}

static void typed_scalar(struct emit *e, const char *s)
{
	/* dates, integers, names: meant to be read as they are */
	if (e->failed)
		return;
	yaml_scalar_event_initialize(&e->ev, NULL, NULL, (yaml_char_t *)s,
				     (int)strlen(s), 1, 1, YAML_PLAIN_SCALAR_STYLE);
	emit(e);
}

static void map_start(struct emit *e, int flow)
{
	if (e->failed)
		return;
	yaml_mapping_start_event_initialize(&e->ev, NULL, NULL, 1,
		flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
	emit(e);
}

static void map_end(struct emit *e)
{
	if (e->failed)
		return;
	yaml_mapping_end_event_initialize(&e->ev);
	emit(e);
}

static void seq_start(struct emit *e, int flow)
{
	if (e->failed)
		return;
	yaml_sequence_start_event_initialize(&e->ev, NULL, NULL, 1,
		flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
	emit(e);
}

static void seq_end(struct emit *e)
{
	if (e->failed)
		return;
	yaml_sequence_end_event_initialize(&e->ev);
	emit(e);
}

static void emit_fields(struct emit *e, const json_t *obj,
			const struct field *fields, int flow);

/* Short lists of short plain words read best on one line. */
static int short_list(const json_t *arr)
{
	size_t i, total = 0;
	json_t *v;

	json_array_foreach(arr, i, v) {
		const char *s = json_string_value(v);

		if (!s || strchr(s, '\n') || strpbrk(s, ",[]{}:#\"'"))
			return 0;
		total += strlen(s) + 2;
	}
	return total <= 60;
}

static void emit_value(struct emit *e, const json_t *v, const struct field *f)
{
	size_t i;
	json_t *item;
	char num[32];

	switch (f->type) {
	case FT_INT:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		typed_scalar(e, num);
		break;
	case FT_ID:
	case FT_REF:
		/* a name like "2024" or "no" must stay a string for other readers */
		scalar(e, json_string_value(v), 1);
		break;
	case FT_DATE:
	case FT_TIMESTAMP:
	case FT_ENUM:
	case FT_DURATION:
		typed_scalar(e, json_string_value(v));
		break;
	case FT_STRLIST:
	case FT_REFLIST:
		seq_start(e, short_list(v));
		json_array_foreach(v, i, item)
			scalar(e, json_string_value(item), 1);
		seq_end(e);
		break;
	case FT_LIST:
		seq_start(e, 0);
		json_array_foreach(v, i, item) {
			/* holders and ignore entries are short: one line each */
			int flow = !strcmp(f->key, "holders") || !strcmp(f->key, "ignore");

			emit_fields(e, item, f->sub, flow);
		}
		seq_end(e);
		break;
	case FT_OBJECT:
		emit_fields(e, v, f->sub, 0);
		break;
	default:
		scalar(e, json_string_value(v), 1);
		break;
	}
}

static void emit_fields(struct emit *e, const json_t *obj,
			const struct field *fields, int flow)
{
	const struct field *f;

	map_start(e, flow);
	for (f = fields; f->key; f++) {
		const json_t *v = json_object_get(obj, f->key);

		if (!v)
			continue;
		typed_scalar(e, f->key);
		emit_value(e, v, f);
	}
	map_end(e);
}

static enum baton_code emit_doc(struct strbuf *out, enum kind k,
				const char *name, const json_t *spec,
				struct baton_error *err)
{
	struct emit e;
	const struct kind_desc *kd = kind_desc(k);

	memset(&e, 0, sizeof(e));
	if (!yaml_emitter_initialize(&e.em))
		return baton_fail(err, BATON_NOMEM, "out of memory");
	yaml_emitter_set_output(&e.em, write_handler, out);
	yaml_emitter_set_unicode(&e.em, 1);
	yaml_emitter_set_width(&e.em, 100);
	yaml_stream_start_event_initialize(&e.ev, YAML_UTF8_ENCODING);
	emit(&e);
	if (!e.failed) {
		yaml_document_start_event_initialize(&e.ev, NULL, NULL, NULL, 0);
		emit(&e);
	}
	map_start(&e, 0);
	typed_scalar(&e, "apiVersion");
	typed_scalar(&e, "baton/v1");
	typed_scalar(&e, "kind");
	typed_scalar(&e, kd->yaml);
	typed_scalar(&e, "metadata");
	map_start(&e, 0);
	typed_scalar(&e, "name");
	scalar(&e, name, 1);
	map_end(&e);
	typed_scalar(&e, "spec");
	emit_fields(&e, spec, kd->fields, 0);
	map_end(&e);
	if (!e.failed) {
		yaml_document_end_event_initialize(&e.ev, 1);
		emit(&e);
	}
	if (!e.failed) {
		yaml_stream_end_event_initialize(&e.ev);
		emit(&e);
	}
	yaml_emitter_delete(&e.em);
	if (e.failed || !strbuf_ok(out))
		return baton_fail(err, BATON_NOMEM, "cannot write YAML for %s/%s",
				  kd->name, name);
	return BATON_OK;
}

enum baton_code export_entity(struct store *st, enum kind k, const char *name,
			      struct strbuf *out, struct baton_error *err)
{
	json_t *spec = NULL;
	enum baton_code rc;

	if ((rc = entity_get(st, k, name, &spec, err)))
		return rc;
	rc = emit_doc(out, k, name, spec, err);
	json_decref(spec);
	return rc;
}

enum baton_code export_kind(struct store *st, enum kind k, struct strbuf *out,
			    struct baton_error *err)
{
	static const char sql[] =
		"SELECT name, spec FROM entity WHERE kind = ?1 ORDER BY name";
	sqlite3_stmt *s = NULL;
	enum baton_code rc;
	int step;

	if ((rc = store_prepare(st, sql, &s, err)))
		return rc;
	sqlite3_bind_text(s, 1, kind_desc(k)->name, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		json_error_t jerr;
		json_t *spec = json_loads((const char *)sqlite3_column_text(s, 1), 0, &jerr);

		if (!spec) {
			rc = baton_fail(err, BATON_DB, "corrupt spec of %s/%s: %s",
					kind_desc(k)->name, sqlite3_column_text(s, 0), jerr.text);
			goto out;
		}
		rc = emit_doc(out, k, (const char *)sqlite3_column_text(s, 0), spec, err);
		json_decref(spec);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE)
		rc = store_fail(st, err, "cannot read");
out:
	sqlite3_finalize(s);
	return rc;
}
