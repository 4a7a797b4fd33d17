/* Coffer's view of libcrypto (OpenSSL 3). Only Sources/CofferCrypto imports this module.
 * Inline wrappers exist only where Swift cannot call OpenSSL directly (macros, variadics). */
#ifndef COFFER_COPENSSL_SHIM_H
#define COFFER_COPENSSL_SHIM_H

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/rand.h>

/* EVP_CIPHER_CTX_ctrl with the GCM tag controls, which are macros. */
static inline int coffer_gcm_set_ivlen(EVP_CIPHER_CTX *ctx, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, len, NULL);
}
static inline int coffer_gcm_get_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, len, tag);
}
static inline int coffer_gcm_set_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int len) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, len, tag);
}
/* EVP_CIPHER_CTX_set_flags for key wrap with padding needs the wrap-allow flag (a macro). */
static inline void coffer_allow_wrap(EVP_CIPHER_CTX *ctx) {
    EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
}
static inline int coffer_nid_p256(void) { return NID_X9_62_prime256v1; }
/* EVP_PKEY_fromdata selections, which are macros built from other macros. */
static inline int coffer_selection_public_key(void) { return EVP_PKEY_PUBLIC_KEY; }
static inline int coffer_selection_keypair(void) { return EVP_PKEY_KEYPAIR; }

#endif
