#!/usr/bin/env bash
# run.sh MODE: builds tests/consumer/app (a project outside netrpc) against netrpc the way a user
# would, runs it, and checks what netrpc hands its users. ctest runs each MODE (CMakeLists.txt):
#   build_lib        fixture: netrpc's library alone, Release, static, into $WORK/lib-static
#   prefix           cmake --install into a prefix, then find_package(netrpc CONFIG)
#   shared           the same with BUILD_SHARED_LIBS=ON: SONAME, symlinks, the consumer runs
#   deb              cpack -G DEB, apt-get install the .deb, find_package, apt-get remove
#   subdirectory     add_subdirectory(netrpc), and FetchContent: no netrpc test, no -Werror
#   pkg_config       g++ $(pkg-config --cflags --libs netrpc), the compiler's default standard
# Environment (from CMakeLists.txt): NETRPC_SRC, WORK, CMAKE, CPACK, CTEST, CXX, GENERATOR and
# LAUNCHER (the compiler launcher of netrpc's own build, if any).
set -euo pipefail
mode=$1
app=$NETRPC_SRC/tests/consumer/app
lib=$WORK/lib-static
jobs=$(nproc)
cmake_args=(-G "$GENERATOR" -DCMAKE_CXX_COMPILER="$CXX")
[[ -n ${LAUNCHER:-} ]] && cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$LAUNCHER")

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# build_lib DIR [cmake args]: netrpc as a user builds it to install, with nothing else.
build_lib() {
  local dir=$1
  shift
  rm -rf "$dir"
  "$CMAKE" -S "$NETRPC_SRC" -B "$dir" "${cmake_args[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX=/usr -DNETRPC_BUILD_TESTS=OFF -DNETRPC_BUILD_EXAMPLES=OFF \
    -DNETRPC_BUILD_BENCH=OFF -DNETRPC_BUILD_TOOLS=OFF "$@" >"$dir.configure.log" ||
    { cat "$dir.configure.log"; fail "configuring netrpc"; }
  "$CMAKE" --build "$dir" -j "$jobs" >"$dir.build.log" || { tail -50 "$dir.build.log"; fail "building netrpc"; }
  echo "built $(cd "$dir" && ls libnetrpc.*)"
}

# consumer DIR [cmake args]: configures, builds and runs the consumer with its own ctest, which
# must hold its one test (hello) and nothing of netrpc's, and checks hello's compile line.
consumer() {
  local dir=$1
  shift
  rm -rf "$dir"
  "$CMAKE" -S "$app" -B "$dir" "${cmake_args[@]}" "$@" >"$dir.configure.log" ||
    { cat "$dir.configure.log"; fail "configuring the consumer"; }
  "$CMAKE" --build "$dir" -j "$jobs" >"$dir.build.log" || { tail -50 "$dir.build.log"; fail "building the consumer"; }
  local tests
  tests=$("$CTEST" --test-dir "$dir" -N | sed -n 's/^ *Test *#[0-9]*: //p')
  [[ $tests == hello ]] || fail "the consumer's ctest lists [$tests], want [hello] alone"
  "$CTEST" --test-dir "$dir" --output-on-failure || fail "hello failed"
  check_hello "$dir/hello"
  check_compile_line "$dir/compile_commands.json"
}

# check_hello PROGRAM: the call came back with 42, in a program compiled as C++20.
check_hello() {
  local out
  out=$("$1") || fail "$1 exited $?: $out"
  [[ $out == "Arith.Multiply 6*7 = 42 (C++ 202002)" ]] || fail "$1 printed: $out"
}

# check_compile_line FILE: hello.cc is compiled as C++20 (its project asks for 17), without
# netrpc's -Werror or warning flags, and sees no private include directory of netrpc's.
check_compile_line() {
  python3 - "$1" "$NETRPC_SRC" <<'PY'
import json, os, shlex, sys
commands, src = json.load(open(sys.argv[1])), os.path.realpath(sys.argv[2])
line = next(c["command"] for c in commands if c["file"].endswith("hello.cc"))
args = shlex.split(line)
bad = []
if not any(a in ("-std=c++20", "-std=gnu++20") for a in args):
    bad.append("no -std=c++20")
bad += [f"netrpc's flag {a}" for a in args if a in ("-Werror", "-Wall", "-Wextra")]
incs = [a[2:] for a in args if a.startswith("-I")] + \
       [args[i + 1] for i, a in enumerate(args) if a in ("-isystem", "-I") and i + 1 < len(args)]
for inc in incs:
    if "layer-include" in inc or os.path.join(os.path.realpath(inc), "").startswith(
            os.path.join(src, "src", "")):
        bad.append(f"private include directory {inc}")
if bad:
    print("hello.cc's compile line:", line)
    print("\n".join(bad))
    sys.exit(1)
print("hello.cc compiled as C++20, include dirs:", " ".join(incs) or "(system only)")
PY
}

# libdir_of PREFIX: where the library went (lib/, or lib/<multiarch>/ for a /usr build).
libdir_of() {
  dirname "$(find "$1" -name 'libnetrpc.a' -o -name 'libnetrpc.so' | head -1)"
}

# check_installed PREFIX LIBDIR: headers, CMake package and netrpc.pc are there, and they name
# nothing from netrpc's source or build trees.
check_installed() {
  local prefix=$1 libdir=$2
  [[ -f $prefix/include/netrpc/netrpc.h && -f $prefix/include/netrpc/detail/method.h ]] ||
    fail "headers missing under $prefix/include/netrpc"
  for f in "$libdir/cmake/netrpc/netrpcConfig.cmake" "$libdir/cmake/netrpc/netrpcConfigVersion.cmake" \
    "$libdir/cmake/netrpc/netrpcTargets.cmake" "$libdir/pkgconfig/netrpc.pc"; do
    [[ -f $f ]] || fail "$f missing"
  done
  if grep -rlE "$NETRPC_SRC/(src|include)|$WORK/lib-|layer-include" "$libdir/cmake/netrpc" "$libdir/pkgconfig"; then
    fail "the files above name netrpc's source or build tree"
  fi
  grep -q 'INTERFACE_COMPILE_FEATURES "cxx_std_20"' "$libdir/cmake/netrpc/netrpcTargets.cmake" ||
    fail "netrpc::netrpc does not carry cxx_std_20"
  # shellcheck disable=SC2016  # ${_IMPORT_PREFIX} is CMake's, written as is
  grep -q 'INTERFACE_INCLUDE_DIRECTORIES "${_IMPORT_PREFIX}/include"' \
    "$libdir/cmake/netrpc/netrpcTargets.cmake" || fail "netrpc::netrpc's include dirs are not include/ alone"
}

case $mode in
  build_lib)
    build_lib "$lib"
    ;;

  prefix)
    prefix=$WORK/prefix-static
    rm -rf "$prefix"
    "$CMAKE" --install "$lib" --prefix "$prefix" >/dev/null
    check_installed "$prefix" "$(libdir_of "$prefix")"
    consumer "$WORK/consumer-prefix" -DCMAKE_PREFIX_PATH="$prefix"
    grep -q "^netrpc_DIR:PATH=$prefix/" "$WORK/consumer-prefix/CMakeCache.txt" ||
      fail "find_package did not take netrpc from $prefix"
    ;;

  shared)
    build_lib "$WORK/lib-shared" -DBUILD_SHARED_LIBS=ON
    prefix=$WORK/prefix-shared
    rm -rf "$prefix"
    "$CMAKE" --install "$WORK/lib-shared" --prefix "$prefix" >/dev/null
    check_installed "$prefix" "$(libdir_of "$prefix")"
    so=$(find "$prefix" -name 'libnetrpc.so.*.*.*')
    soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [[ $soname == libnetrpc.so.0.1 ]] || fail "SONAME of $so is '$soname', want libnetrpc.so.0.1"
    libdir=$(dirname "$so")
    [[ $(readlink "$libdir/libnetrpc.so.0.1") == $(basename "$so") &&
       $(readlink "$libdir/libnetrpc.so") == libnetrpc.so.0.1 ]] || fail "symlinks: $(ls -l "$libdir")"
    # shellcheck disable=SC2016  # ${libdir} is pkg-config's, written as is
    grep -q '^Libs: -L${libdir} -lnetrpc *$' "$libdir/pkgconfig/netrpc.pc" ||
      fail "netrpc.pc of a shared build: $(cat "$libdir/pkgconfig/netrpc.pc")"
    consumer "$WORK/consumer-shared" -DCMAKE_PREFIX_PATH="$prefix"
    ldd "$WORK/consumer-shared/hello" | grep -q "libnetrpc.so.0.1 => $libdir/" ||
      fail "hello does not load $libdir/libnetrpc.so.0.1: $(ldd "$WORK/consumer-shared/hello")"
    echo "SONAME $soname"
    ;;

  deb)
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
      echo "SKIP: installing a .deb needs root and apt-get"
      exit 77
    fi
    if dpkg-query -W -f='${Status}' libnetrpc-dev 2>/dev/null | grep -q 'ok installed'; then
      fail "libnetrpc-dev is installed already; this test installs and removes its own" \
        "(apt-get remove -y libnetrpc-dev)"
    fi
    (cd "$lib" && rm -f ./*.deb && "$CPACK" -G DEB >cpack.log) || { cat "$lib/cpack.log"; fail "cpack"; }
    deb=$(ls "$lib"/libnetrpc-dev_*.deb)
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$lib/CMakeCache.txt")
    [[ $(dpkg-deb -f "$deb" Package) == libnetrpc-dev && $(dpkg-deb -f "$deb" Version) == "$version" ]] ||
      fail "$deb: $(dpkg-deb -f "$deb")"
    depends=$(dpkg-deb -f "$deb" Depends)
    for need in libboost1.81-dev libboost-json1.81-dev libssl-dev; do
      [[ ", $depends," == *", $need,"* ]] || fail "Depends '$depends' lacks $need"
    done
    [[ -n $(dpkg-deb -f "$deb" Maintainer) && -n $(dpkg-deb -f "$deb" Description) ]] ||
      fail "no Maintainer or Description: $(dpkg-deb -f "$deb")"
    echo "$(basename "$deb"): Depends: $depends"
    # From here on the package is on the system: remove it however this ends.
    trap 'apt-get remove -y -qq -o DPkg::Lock::Timeout=120 libnetrpc-dev >/dev/null ||
          echo "could not remove libnetrpc-dev" >&2' EXIT
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 "$deb" >/dev/null
    arch=$("$CXX" -print-multiarch)
    for f in /usr/include/netrpc/netrpc.h /usr/lib/$arch/libnetrpc.a /usr/lib/$arch/cmake/netrpc/netrpcConfig.cmake \
      /usr/lib/$arch/pkgconfig/netrpc.pc; do
      [[ -f $f ]] || fail "the package did not install $f: $(dpkg -L libnetrpc-dev)"
    done
    check_installed /usr "/usr/lib/$arch"
    consumer "$WORK/consumer-deb"  # no prefix path: the system's
    grep -q "^netrpc_DIR:PATH=/usr/lib/$arch/cmake/netrpc$" "$WORK/consumer-deb/CMakeCache.txt" ||
      fail "find_package did not take the installed package"
    [[ $(pkg-config --modversion netrpc) == "$version" ]] || fail "pkg-config does not see netrpc.pc"
    trap - EXIT
    apt-get remove -y -qq -o DPkg::Lock::Timeout=120 libnetrpc-dev >/dev/null
    [[ ! -e /usr/include/netrpc && ! -e /usr/lib/$arch/cmake/netrpc ]] || fail "files left after removal"
    echo "installed, used and removed $(basename "$deb")"
    ;;

  subdirectory)
    consumer "$WORK/consumer-subdirectory" -DCMAKE_BUILD_TYPE=Release -DNETRPC_SOURCE_DIR="$NETRPC_SRC"
    # FetchContent is add_subdirectory underneath: configuring is enough to see that netrpc::netrpc
    # exists (generation fails on an unknown name with ::) and that netrpc registers no test.
    dir=$WORK/consumer-fetch
    rm -rf "$dir"
    "$CMAKE" -S "$app" -B "$dir" "${cmake_args[@]}" -DNETRPC_FETCH_DIR="$NETRPC_SRC" >"$dir.configure.log" ||
      { cat "$dir.configure.log"; fail "configuring the consumer with FetchContent"; }
    tests=$("$CTEST" --test-dir "$dir" -N | sed -n 's/^ *Test *#[0-9]*: //p')
    [[ $tests == hello ]] || fail "with FetchContent the consumer's ctest lists [$tests]"
    echo "FetchContent: configured, ctest lists hello alone"
    ;;

  pkg_config)
    prefix=$WORK/prefix-pc
    rm -rf "$prefix"
    "$CMAKE" --install "$lib" --prefix "$prefix" >/dev/null
    pc_dir=$(dirname "$(find "$prefix" -name netrpc.pc)")
    flags=$(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs netrpc)
    echo "pkg-config --cflags --libs netrpc: $flags"
    # No -std of our own: the compiler's default (C++17 for g++ 12) must be raised by Cflags.
    # shellcheck disable=SC2086  # the flags are words
    "$CXX" "$app/hello.cc" -o "$WORK/hello-pc" $flags
    check_hello "$WORK/hello-pc"
    ;;

  *)
    fail "unknown mode $mode"
    ;;
esac
echo "consumer $mode: ok"
