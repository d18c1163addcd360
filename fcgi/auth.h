/* API keys on the way in: "Authorization: Bearer <key>" checked against the store. */
#ifndef RBX_FCGI_AUTH_H
#define RBX_FCGI_AUTH_H

#include "fcgi/http.h"
#include "store/store.h"

/* The key out of an Authorization header value; NULL when the header is not a
 * well-formed Bearer credential. Points into header. */
const char *rbx_auth_bearer_token(const char *header);

/* 401 unauthorized when the header is missing, malformed, or names an unknown
 * or revoked key; otherwise fills caller. */
int rbx_auth_caller(rbx_store *store, const rbx_http_request *http, rbx_key_info *caller,
                    rbx_error *err);

/* The same for a key taken from another header (a dialect's). */
int rbx_auth_token(rbx_store *store, const char *token, rbx_key_info *caller, rbx_error *err);

/* A key-less request of a dialect whose operator named the user it runs as:
 * that user's first live key (401 when it has none). */
int rbx_auth_keyless(rbx_store *store, const char *user, rbx_key_info *caller, rbx_error *err);

#endif
