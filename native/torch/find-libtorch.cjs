// Prints the compiler and linker flags for libtorch, for binding.gyp: `LIBTORCH` (a folder with include/ and
// lib/, e.g. a CUDA build from pytorch.org) when set, otherwise Debian's libtorch-dev under /usr.
const fs = require('node:fs');
const path = require('node:path');

const root = process.env.LIBTORCH ? path.resolve(process.env.LIBTORCH) : '';
const what = process.argv[2];
if (what === 'include') {
  // Never -I/usr/include: it reorders the system headers and breaks libstdc++'s #include_next.
  const base = root ? path.join(root, 'include') : '/usr/include';
  console.log([...(root ? [base] : []), path.join(base, 'torch/csrc/api/include')].join(' '));
} else if (what === 'libraries') {
  const libs = [];
  const libDir = root ? path.join(root, 'lib') : '/usr/lib/x86_64-linux-gnu';
  if (root) libs.push(`-L${libDir}`, `-Wl,-rpath,${libDir}`);
  // A CUDA libtorch registers its CUDA kernels from libtorch_cuda, which nothing references directly:
  // without --no-as-needed the linker drops it and torch::cuda::is_available() is false.
  const cuda = fs.existsSync(path.join(libDir, 'libtorch_cuda.so'));
  libs.push('-Wl,--no-as-needed', '-ltorch', '-ltorch_cpu', '-lc10');
  if (cuda) libs.push('-ltorch_cuda', '-lc10_cuda');
  libs.push('-Wl,--as-needed');
  console.log(libs.join(' '));
}
