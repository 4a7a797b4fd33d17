#define _GNU_SOURCE
#include "CDatagramBatch.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

enum { batch_limit = 256 };

int coffer_receive_datagrams(int fd, uint8_t *buffers, size_t stride, unsigned count, void *addresses,
                             size_t address_stride, uint32_t *address_lengths, uint32_t *lengths) {
    struct mmsghdr messages[batch_limit];
    struct iovec vectors[batch_limit];
    if (count > batch_limit) count = batch_limit;
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = buffers + (size_t)i * stride;
        vectors[i].iov_len = stride;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        if (addresses != NULL) {
            messages[i].msg_hdr.msg_name = (uint8_t *)addresses + (size_t)i * address_stride;
            messages[i].msg_hdr.msg_namelen = (socklen_t)address_stride;
        }
    }
    int got;
    do {
        got = recvmmsg(fd, messages, count, MSG_DONTWAIT | MSG_TRUNC, NULL);
    } while (got < 0 && errno == EINTR);
    if (got < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -errno;
    for (int i = 0; i < got; i++) {
        lengths[i] = messages[i].msg_len;
        if (addresses != NULL) address_lengths[i] = messages[i].msg_hdr.msg_namelen;
    }
    return got;
}

int coffer_send_datagrams(int fd, const uint8_t *buffers, size_t length, unsigned count, const void *address,
                          uint32_t address_length) {
    struct mmsghdr messages[batch_limit];
    struct iovec vectors[batch_limit];
    unsigned done = 0;
    while (done < count) {
        unsigned chunk = count - done < batch_limit ? count - done : batch_limit;
        memset(messages, 0, sizeof(struct mmsghdr) * chunk);
        for (unsigned i = 0; i < chunk; i++) {
            vectors[i].iov_base = (void *)(buffers + (size_t)(done + i) * length);
            vectors[i].iov_len = length;
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = (void *)address;
            messages[i].msg_hdr.msg_namelen = address != NULL ? (socklen_t)address_length : 0;
        }
        int sent = sendmmsg(fd, messages, chunk, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR) continue;
            return (int)done;
        }
        done += (unsigned)sent;
    }
    return (int)done;
}
