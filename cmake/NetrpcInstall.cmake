# NetrpcInstall.cmake: what `cmake --install` puts in a prefix (headers, libnetrpc, the CMake
# package netrpc::netrpc, netrpc.pc) and the Debian package libnetrpc-dev that CPack makes of it.
# Included from the top-level CMakeLists.txt when NETRPC_INSTALL is on.
include(CMakePackageConfigHelpers)

# What a user of netrpc needs besides netrpc, in one place per form: the Debian packages (the
# .deb's Depends), the CMake packages (find_dependency in netrpcConfig.cmake.in) and the link
# flags (netrpc.pc). A new dependency goes into all three, as OpenSSL (TLS) did.
set(NETRPC_DEB_DEPENDS
    "libboost${NETRPC_BOOST_VERSION}-dev, libboost-json${NETRPC_BOOST_VERSION}-dev, libssl-dev")
set(NETRPC_DEB_MAINTAINER "netrpc maintainers" CACHE STRING "Maintainer of the libnetrpc-dev package")

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/netrpc)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/netrpc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS netrpc EXPORT netrpcTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT netrpcTargets NAMESPACE netrpc:: DESTINATION ${config_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/netrpcConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/netrpcConfig.cmake
                              INSTALL_DESTINATION ${config_dir})
# Before 1.0 a minor version may break the API, as the SONAME says: 0.1.x satisfies 0.1 only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/netrpcConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/netrpcConfig.cmake ${PROJECT_BINARY_DIR}/netrpcConfigVersion.cmake
        DESTINATION ${config_dir})

# netrpc.pc. A static libnetrpc needs its dependencies on every link line, so they go in Libs;
# a shared one brings them itself, so they go in Libs.private (pkg-config --static).
set(pc_deps "")
get_target_property(boost_json_lib Boost::json LOCATION)
get_filename_component(boost_json_dir "${boost_json_lib}" DIRECTORY)
if(NOT boost_json_dir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  string(APPEND pc_deps " -L${boost_json_dir}")
endif()
string(APPEND pc_deps " -lboost_json -lssl -lcrypto ${CMAKE_THREAD_LIBS_INIT}")
string(STRIP "${pc_deps}" pc_deps)
set(pc_cflags "-std=c++20")
foreach(dir ${Boost_INCLUDE_DIRS})
  if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
    string(APPEND pc_cflags " -I${dir}")
  endif()
endforeach()
if(BUILD_SHARED_LIBS)
  set(pc_libs_private "${pc_deps}")
  set(pc_deps "")
else()
  set(pc_libs_private "")
endif()
# The prefix is the one given at install time (cmake --install --prefix, or /usr under CPack):
# everything else is filled in now, the prefix when installing.
foreach(kind INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
set(PC_PREFIX "@PC_PREFIX@")  # kept for the second pass
set(PC_VERSION ${PROJECT_VERSION})
set(PC_CFLAGS "${pc_cflags}")
set(PC_LIBS "${pc_deps}")
set(PC_LIBS_PRIVATE "${pc_libs_private}")
set(pc_file ${PROJECT_BINARY_DIR}/netrpc.pc)
configure_file(${PROJECT_SOURCE_DIR}/cmake/netrpc.pc.in ${pc_file}.in @ONLY)
install(CODE "set(PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
              configure_file(\"${pc_file}.in\" \"${pc_file}\" @ONLY)")
install(FILES ${pc_file} DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The Debian package: cpack -G DEB in a build configured with -DCMAKE_INSTALL_PREFIX=/usr
# (GNUInstallDirs then puts the library in /usr/lib/<multiarch>/).
set(CPACK_GENERATOR DEB)
set(CPACK_VERBATIM_VARIABLES ON)  # the values below reach CPackConfig.cmake as written
set(CPACK_PACKAGE_NAME libnetrpc-dev)
set(CPACK_PACKAGE_VENDOR "netrpc")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Go's net/rpc for C++20 - development files")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "netrpc is Go's net/rpc for C++20 on Boost.Asio: register an object, call\nService.Method synchronously, asynchronously or from a coroutine, with\ndeadlines and cancellation. One port also speaks Go's gob, JSON-RPC, HTTP\nCONNECT and GeeRPC protocols. This package holds the headers, the library,\nthe CMake package netrpc::netrpc and netrpc.pc.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${NETRPC_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "${NETRPC_DEB_DEPENDS}")
set(CPACK_DEBIAN_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # libnetrpc-dev_0.1.0_amd64.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
