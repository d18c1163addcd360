/* Networks written as CIDR ("10.0.0.0/8", "fd00::/8", or one address): the
 * configuration's allow_networks, checked when the file is loaded, and the
 * callback guard's exceptions. */
#ifndef RBX_COMMON_CIDR_H
#define RBX_COMMON_CIDR_H

#include <stdbool.h>
#include <stdint.h>

typedef struct rbx_cidr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t bytes[16];
    int prefix; /* bits; a bare address is a /32 or /128 */
} rbx_cidr;

/* false when text is not an address with an optional /prefix in range. */
bool rbx_cidr_parse(const char *text, rbx_cidr *out);

#endif
