#ifndef COFFER_DATAGRAM_BATCH_H
#define COFFER_DATAGRAM_BATCH_H

#include <stddef.h>
#include <stdint.h>

/// Receives up to `count` queued datagrams with one recvmmsg(2), never waiting: datagram i goes to
/// `buffers + i * stride` (cut at `stride` bytes), its whole length to `lengths[i]` (MSG_TRUNC, so
/// an oversized datagram shows its real size) and, when `addresses` is not NULL, its sender to
/// `addresses + i * address_stride` with the address's length in `address_lengths[i]`.
/// Returns how many arrived (0: none was queued), or -errno.
int coffer_receive_datagrams(int fd, uint8_t *buffers, size_t stride, unsigned count, void *addresses,
                             size_t address_stride, uint32_t *address_lengths, uint32_t *lengths);

/// Sends `count` datagrams of `length` bytes each, datagram i at `buffers + i * length`, to `address`
/// (NULL on a connected socket) with sendmmsg(2), as many per call as the kernel takes, in order.
/// Returns how many went before the first the OS refused (errno then says why), or `count`.
int coffer_send_datagrams(int fd, const uint8_t *buffers, size_t length, unsigned count, const void *address,
                          uint32_t address_length);

#endif
