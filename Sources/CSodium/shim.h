/* Coffer's view of libsodium: ristretto255 (RFC 9496) and Argon2id, which OpenSSL 3.0 lacks.
 * Only Sources/CofferCrypto imports this module. */
#ifndef COFFER_CSODIUM_SHIM_H
#define COFFER_CSODIUM_SHIM_H

#include <sodium.h>

#endif
