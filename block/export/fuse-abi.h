/*
 * FUSE kernel ABI used by the FUSE export (block/export/fuse.c).
 *
 * The structures come from the build host's <linux/fuse.h> (protocol
 * 7.38 on Debian 12); this header adds the few newer items we use and
 * 64-bit versions of the INIT flags. The low INIT flags in <linux/fuse.h>
 * are plain ints (1 << n): OR-ing bit 31 into a uint64_t would sign-extend,
 * so we combine flags only through the FUSE_ABI_* constants below, which
 * are unsigned long long and never include bit 31 (FUSE_INIT_RESERVED).
 *
 * Values: kernel uapi 7.45 (Linux 6.18), see /work/shared/FUSE-ABI.md.
 */
#ifndef BLOCK_EXPORT_FUSE_ABI_H
#define BLOCK_EXPORT_FUSE_ABI_H

#include <linux/fuse.h>
#include <sys/ioctl.h>

/* The minor version we speak; the reply carries min(ours, kernel's). */
#define FUSE_ABI_MINOR                  45u
/* Oldest kernel minor we accept (full 64-byte fuse_init_out, max_pages). */
#define FUSE_ABI_MIN_MINOR              28u

/* INIT flags as one 64-bit set: bit n >= 32 travels in flags2 (n - 32). */
#define FUSE_ABI_ASYNC_READ             (1ULL << 0)
#define FUSE_ABI_BIG_WRITES             (1ULL << 5)
#define FUSE_ABI_ASYNC_DIO              (1ULL << 15)
#define FUSE_ABI_PARALLEL_DIROPS        (1ULL << 18)
#define FUSE_ABI_MAX_PAGES              (1ULL << 22)
#define FUSE_ABI_HANDLE_KILLPRIV_V2     (1ULL << 28)
#define FUSE_ABI_INIT_EXT               (1ULL << 30)
#define FUSE_ABI_INIT_RESERVED          (1ULL << 31)    /* never set */
/* 7.39: MAP_SHARED mmap on FOPEN_DIRECT_IO files. */
#define FUSE_ABI_DIRECT_IO_ALLOW_MMAP   (1ULL << 36)
/* 7.42: requests may travel through io_uring (FUSE-ABI.md section 5). */
#define FUSE_ABI_OVER_IO_URING          (1ULL << 41)

/*
 * FUSE-over-io_uring (7.42). Each ring entry registers two buffers: a
 * header buffer laid out as struct fuse_abi_uring_req_header and a
 * payload buffer of at least max_write bytes. The SQE's 80-byte command
 * area carries struct fuse_abi_uring_cmd_req.
 */
#define FUSE_ABI_URING_IN_OUT_SZ        128
#define FUSE_ABI_URING_OP_IN_OUT_SZ     128

struct fuse_abi_uring_ent_in_out {
    uint64_t flags;
    uint64_t commit_id;         /* the request's unique: echo on commit */
    uint32_t payload_sz;        /* bytes used in the payload buffer */
    uint32_t padding;
    uint64_t reserved;
};

struct fuse_abi_uring_req_header {
    char in_out[FUSE_ABI_URING_IN_OUT_SZ];  /* fuse_in/out_header */
    char op_in[FUSE_ABI_URING_OP_IN_OUT_SZ]; /* the op's argument struct */
    struct fuse_abi_uring_ent_in_out ring_ent_in_out;
};

struct fuse_abi_uring_cmd_req {
    uint64_t flags;
    uint64_t commit_id;
    uint16_t qid;
    uint8_t padding[6];
};

enum {
    FUSE_ABI_IO_URING_CMD_REGISTER = 1,
    FUSE_ABI_IO_URING_CMD_COMMIT_AND_FETCH = 2,
};

/* Where the kernel says whether FUSE-over-io_uring may be used. */
#define FUSE_ABI_URING_PARAM    "/sys/module/fuse/parameters/enable_uring"

/* 7.39 opcode; answered with -ENOSYS (the kernel then falls back). */
#ifndef FUSE_STATX
#define FUSE_STATX                      52
#endif

#endif /* BLOCK_EXPORT_FUSE_ABI_H */
