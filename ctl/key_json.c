/* `runboxctl key list --json`: the one writer of the key list's JSON, kept
 * apart from the commands so a unit test pins its bytes. */
#include "ctl/ctl.h"

#include "common/clock.h"

/* The one timestamp format (common/clock.h): "2024-05-01T12:00:00.000Z". */
static json_object *time_json(int64_t unix_ms)
{
    char text[RBX_ISO8601_SIZE];
    return json_object_new_string(rbx_clock_iso8601(unix_ms, text, sizeof(text)));
}

static json_object *text_json(const char *text)
{
    return text ? json_object_new_string(text) : NULL;
}

static json_object *key_row_json(const rbx_key_row *k)
{
    json_object *row = json_object_new_object();
    json_object_object_add(row, "id", json_object_new_int64(k->id));
    json_object_object_add(row, "user", text_json(k->user));
    json_object_object_add(row, "prefix", text_json(k->prefix));
    json_object_object_add(row, "created_at", time_json(k->created_at_ms));
    json_object_object_add(row, "revoked", json_object_new_boolean(k->revoked));
    json_object_object_add(row, "revoked_at", k->revoked ? time_json(k->revoked_at_ms) : NULL);
    return row;
}

json_object *ctl_key_list_json(const rbx_key_list *list)
{
    json_object *array = json_object_new_array();
    for (size_t i = 0; i < list->n; i++)
        json_object_array_add(array, key_row_json(&list->items[i]));
    return array;
}
