/* main.c — the `reckon` binary: the sub-command table in cli.c does the rest. */
#include "cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
