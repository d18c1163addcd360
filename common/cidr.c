#include "common/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool rbx_cidr_parse(const char *text, rbx_cidr *out)
{
    char buf[64];
    if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
        return false;
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, buf, out->bytes) == 1)
        out->family = AF_INET;
    else if (inet_pton(AF_INET6, buf, out->bytes) == 1)
        out->family = AF_INET6;
    else
        return false;
    int max = out->family == AF_INET ? 32 : 128;
    out->prefix = max;
    if (slash) {
        char *end = NULL;
        long p = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || p < 0 || p > max)
            return false;
        out->prefix = (int)p;
    }
    return true;
}
