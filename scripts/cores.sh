# Sourced by the build and test scripts: cpu_cores prints how many cores this
# process may use. GNU nproc also honours OMP_NUM_THREADS, which the test
# command sets to 1 (one LibTorch thread per test program): a plain `nproc`
# after that made every later build, ctest and fuzz run use one job.
cpu_cores() { env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc; }
