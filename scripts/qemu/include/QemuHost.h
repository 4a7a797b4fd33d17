/* What the QEMU board's Swift code (Board.swift, BoardFiles.swift) calls in C: Arm semihosting file
   I/O on the host, relative to QEMU's working directory (semihost.c). Each call completes on the host
   (QEMU runs it on the vCPU thread) before the guest's next instruction. */
#ifndef COFFER_QEMU_HOST_H
#define COFFER_QEMU_HOST_H
#include <stdint.h>

/* Semihosting SYS_OPEN modes (ISO C fopen modes). */
enum { COFFER_SH_READ = 1 /* "rb" */, COFFER_SH_UPDATE = 3 /* "r+b" */, COFFER_SH_CREATE = 5 /* "wb" */ };

/* A handle, or -1 (see coffer_sh_errno). */
intptr_t coffer_sh_open(const char *name, intptr_t mode);
/* The host's errno of the last failed call (2 is ENOENT). */
intptr_t coffer_sh_errno(void);
/* Bytes read (fewer at the end of the file), or -1. */
intptr_t coffer_sh_read(intptr_t handle, void *buffer, intptr_t length);
/* 1 when all `length` bytes were written, else 0. */
int coffer_sh_write(intptr_t handle, const void *buffer, intptr_t length);
/* 1 when the file position is now `position`, else 0. */
int coffer_sh_seek(intptr_t handle, intptr_t position);
/* The file's length, or -1. */
intptr_t coffer_sh_length(intptr_t handle);
/* 1 when closed, else 0. */
int coffer_sh_close(intptr_t handle);
/* 1 when `from` was renamed over `to` (rename(2): atomic on the host), else 0. */
int coffer_sh_rename(const char *from, const char *to);
/* Prints a NUL-terminated line on QEMU's console (its stderr). */
void coffer_sh_say(const char *text);

#endif
