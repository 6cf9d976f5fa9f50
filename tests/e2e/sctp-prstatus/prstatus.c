// SPDX-License-Identifier: GPL-2.0
/*
 * prstatus.c - the probe behind check.sh: asks an SCTP association for the abandoned-chunk
 * statistics of a stream that has sent nothing (SCTP_PR_STREAM_STATUS, all policies).
 *
 * Such a stream has no statistics block yet and its statistics are zero. Before the fix the
 * kernel returned success without writing anything back, so the caller read its own input;
 * the probe fills the fields with a marker first and exits 0 only when they come back zero.
 * Exit 1: the marker came back (unfixed kernel); 2: the association could not be set up.
 *
 * Built without a libc by gen-check.sh, with the kernel's own tools/include/nolibc.
 */

#define SOL_SCTP		132
#define IPPROTO_SCTP_NR		132
#define SCTP_PR_STREAM_STATUS	116
#define SCTP_PR_SCTP_ALL	(1 << 7)
#define PROBE_PORT		5999
#define MARKER			0x4850484850484850ULL

struct probe_prstatus {			/* struct sctp_prstatus, include/uapi/linux/sctp.h */
	int sprstat_assoc_id;
	unsigned short sprstat_sid;
	unsigned short sprstat_policy;
	unsigned long long sprstat_abandoned_unsent;
	unsigned long long sprstat_abandoned_sent;
};

struct probe_sockaddr_in {		/* struct sockaddr_in */
	unsigned short family;
	unsigned short port;		/* network order */
	unsigned int addr;		/* network order */
	unsigned char zero[8];
};

static long sys(long nr, long a, long b, long c, long d, long e)
{
	return my_syscall5(nr, a, b, c, d, e);
}

int main(void)
{
	struct probe_sockaddr_in sin = {
		.family = 2,					/* AF_INET */
		.port = (PROBE_PORT >> 8) | ((PROBE_PORT & 0xff) << 8),
		.addr = 0x0100007f,				/* 127.0.0.1 */
	};
	struct probe_prstatus st = {
		.sprstat_policy = SCTP_PR_SCTP_ALL,
		.sprstat_abandoned_unsent = MARKER,
		.sprstat_abandoned_sent = MARKER,
	};
	int len = sizeof(st);
	long srv, cli, ret;

	srv = sys(__NR_socket, 2, 1, IPPROTO_SCTP_NR, 0, 0);	/* AF_INET, SOCK_STREAM */
	cli = sys(__NR_socket, 2, 1, IPPROTO_SCTP_NR, 0, 0);
	if (srv < 0 || cli < 0) {
		printf("prstatus: socket(IPPROTO_SCTP): %ld (is sctp loaded?)\n", srv < 0 ? srv : cli);
		return 2;
	}
	ret = sys(__NR_bind, srv, (long)&sin, sizeof(sin), 0, 0);
	if (!ret)
		ret = sys(__NR_listen, srv, 1, 0, 0, 0);
	if (!ret)
		ret = sys(__NR_connect, cli, (long)&sin, sizeof(sin), 0, 0);
	if (ret) {
		printf("prstatus: cannot set up an association on 127.0.0.1:%d: %ld\n", PROBE_PORT, ret);
		return 2;
	}
	ret = sys(__NR_getsockopt, cli, SOL_SCTP, SCTP_PR_STREAM_STATUS, (long)&st, (long)&len);
	if (ret) {
		printf("prstatus: getsockopt(SCTP_PR_STREAM_STATUS): %ld\n", ret);
		return 2;
	}
	if (st.sprstat_abandoned_unsent == 0 && st.sprstat_abandoned_sent == 0) {
		printf("prstatus: stream 0 reports zero abandoned chunks (fixed)\n");
		return 0;
	}
	printf("prstatus: stream 0 statistics not written: unsent 0x%llx sent 0x%llx (unfixed)\n",
	       st.sprstat_abandoned_unsent, st.sprstat_abandoned_sent);
	return 1;
}
