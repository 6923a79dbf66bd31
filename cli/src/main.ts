process.stderr.write('visgate: not implemented yet\n');
process.exitCode = 2;
