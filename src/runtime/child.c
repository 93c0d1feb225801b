/* The traced process: -c CMD is forked before attaching and held on a pipe until the
 * probes are in place (its pid is `cpid`); -p PID is only watched. Tracing stops when
 * either ends. When the script names user addresses (ustack, usym), the child is also
 * held at its exit with ptrace (PTRACE_O_TRACEEXIT: stopped before its memory is torn
 * down) until the maps are printed, so its frames still have names; bpftrace 0.17 kills
 * its child first and prints bare addresses. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/rt_internal.h"

/* execvp's search, done up front so a typo is reported before anything is loaded. */
static bool find_command(const char *cmd)
{
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	char buf[4096];
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", cmd);
		struct stat st;
		if (!stat(buf, &st) && S_ISREG(st.st_mode) && !access(buf, X_OK))
			return true;
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

/* The state letter of /proc/PID/stat, or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *rp = strrchr(buf, ')');
	return rp && rp[1] == ' ' ? rp[2] : 0;
}

/* Waits (up to about a second) until the child sleeps in its read() of the pipe, so that
 * the syscall was entered before any probe is attached: a script that counts the child's
 * syscalls then sees only the command's own. A fresh child gets there in tens of
 * microseconds: the first looks come soon, the later ones 1 ms apart. */
static void wait_until_blocked(pid_t pid)
{
	long nap_ns = 20 * 1000;
	for (long waited = 0; waited < 1000L * 1000 * 1000; waited += nap_ns) {
		char st = proc_state(pid);
		if (st == 'S' || st == 'Z' || st == 0)
			return;
		if (waited > 0 && nap_ns < 1000 * 1000)
			nap_ns *= 2;
		struct timespec ts = { 0, nap_ns };
		nanosleep(&ts, NULL);
	}
}

static struct sigaction saved_chld;

/* A stop of the traced child makes the poll return at once (EINTR) instead of waiting out
 * its timeout: the child waits in that stop until the tracer lets it go. */
static void on_child(int sig)
{
	(void)sig;
}

/* Without ptrace rights (a container, Yama) the child simply is not held. */
static void hold_at_exit(struct rt_trace *t)
{
	if (ptrace(PTRACE_SEIZE, t->child, NULL, (void *)(long)PTRACE_O_TRACEEXIT))
		return;
	t->child_traced = true;
	struct sigaction sa = { 0 };
	sa.sa_handler = on_child;
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &saved_chld);
}

/* Handles one waitpid status of the child; true once it has ended or stopped at its exit.
 * Other ptrace stops let it go on: a signal is delivered as it would have been, a group
 * stop (SIGSTOP, SIGTSTP) stays a stop. */
static bool child_status(struct rt_trace *t, int status)
{
	if (!WIFSTOPPED(status)) {
		t->child_status = status;
		t->child_done = true;
		return true;
	}
	int event = status >> 16, sig = WSTOPSIG(status);
	if (event == PTRACE_EVENT_EXIT) {
		t->child_held = true;
		return true;
	}
	if (event == PTRACE_EVENT_STOP && sig != SIGTRAP)
		ptrace(PTRACE_LISTEN, t->child, NULL, NULL); /* SIGTRAP: the stop ended */
	else
		ptrace(PTRACE_CONT, t->child, NULL, (void *)(long)(event ? 0 : sig));
	return false;
}

/* Reaps what the child reported (blocking with flags 0); true once it ended or is held. */
static bool child_wait(struct rt_trace *t, int flags)
{
	int status;
	while (waitpid(t->child, &status, flags) == t->child)
		if (child_status(t, status))
			return true;
	return t->child_done || t->child_held;
}

int rt_child_spawn(struct rt_trace *t, char *const *argv)
{
	if (!argv || !argv[0])
		return -EINVAL;
	if (!find_command(argv[0])) {
		fprintf(stderr, "error: failed to run command '%s': command not found\n", argv[0]);
		return -ENOENT;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(fds[0]);
		close(fds[1]);
		fprintf(stderr, "error: failed to fork for command '%s': %s\n", argv[0],
			strerror(-err));
		return err;
	}
	if (pid == 0) {
		close(fds[1]);
		/* Killed with us, even by SIGKILL; a parent already gone left it to init. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
			_exit(0);
		char go;
		/* EOF without the go byte: the tracer gave up before attaching. */
		if (read(fds[0], &go, 1) != 1)
			_exit(0);
		execvp(argv[0], argv);
		fprintf(stderr, "error: failed to run command '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	t->child = pid;
	t->child_go_fd = fds[1];
	wait_until_blocked(pid);
	if (t->hold_child)
		hold_at_exit(t);
	return 0;
}

int rt_child_release(struct rt_trace *t)
{
	if (t->child_go_fd < 0)
		return 0;
	int err = write(t->child_go_fd, "g", 1) == 1 ? 0 : -errno;
	close(t->child_go_fd);
	t->child_go_fd = -1;
	return err;
}

static bool pid_gone(pid_t pid)
{
	if (kill(pid, 0) && errno == ESRCH)
		return true;
	/* Not our child, so nobody may reap it soon: a zombie has ended too. */
	char st = proc_state(pid);
	return st == 0 || st == 'Z' || st == 'X';
}

bool rt_target_gone(struct rt_trace *t)
{
	if (t->child > 0 && (t->child_done || t->child_held || child_wait(t, WNOHANG)))
		return true;
	return t->o->pid > 0 && pid_gone(t->o->pid);
}

void rt_child_kill(struct rt_trace *t)
{
	if (t->child_go_fd >= 0) {
		/* never released: closing the pipe makes it exit without running */
		close(t->child_go_fd);
		t->child_go_fd = -1;
	} else if (t->child > 0 && !t->child_done && !t->child_held) {
		kill(t->child, SIGTERM);
	}
	if (t->child <= 0 || t->child_done)
		return;
	for (int i = 0; i < 50 && !t->child_done; i++) {
		if (t->child_held) {
			/* its maps are printed: let it finish exiting */
			t->child_held = false;
			ptrace(PTRACE_DETACH, t->child, NULL, NULL);
		}
		if (!child_wait(t, WNOHANG)) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (!t->child_done)
		kill(t->child, SIGKILL);
	while (!t->child_done) {
		if (t->child_held) {
			t->child_held = false;
			ptrace(PTRACE_DETACH, t->child, NULL, NULL);
		}
		if (!child_wait(t, 0))
			break; /* not our child any more */
	}
	if (t->child_traced)
		sigaction(SIGCHLD, &saved_chld, NULL);
	t->child_traced = false;
}
