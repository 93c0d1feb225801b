/* The user-space helpers the references share (ref.h). */
#include "ref.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

volatile int ref_stop;
static int gate[2] = { -1, -1 };

pid_t ref_child_start(char **argv)
{
	if (pipe(gate))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(gate[1]);
		if (read(gate[0], &c, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	close(gate[0]);
	return pid;
}

void ref_child_go(void)
{
	if (write(gate[1], "g", 1) != 1)
		perror("ref: child gate");
	close(gate[1]);
}

int ref_child_done(pid_t pid)
{
	int status;
	return waitpid(pid, &status, WNOHANG) == pid;
}

static void on_stop(int sig)
{
	(void)sig;
	ref_stop = 1;
}

void ref_catch_stop(void)
{
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
}
