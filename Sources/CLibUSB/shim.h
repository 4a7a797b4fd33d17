/* Coffer's view of libusb-1.0. Only Sources/CofferHost imports this module. */
#ifndef COFFER_CLIBUSB_SHIM_H
#define COFFER_CLIBUSB_SHIM_H

#include <libusb.h>

/* libusb_set_option is variadic, which Swift cannot call: one wrapper per option shape. */
static inline int coffer_libusb_set_log_level(libusb_context *ctx, int level) {
    return libusb_set_option(ctx, LIBUSB_OPTION_LOG_LEVEL, level);
}
static inline int coffer_libusb_no_device_discovery(libusb_context *ctx) {
    return libusb_set_option(ctx, LIBUSB_OPTION_NO_DEVICE_DISCOVERY);
}

#endif
