# Packaging for C users: `cmake --install` puts libspecot (shared + static),
# the headers, lib/pkgconfig/specot.pc and lib/cmake/specot/ (the CMake
# package: find_package(specot CONFIG) gives the imported target
# specot::specot (shared) and specot::specot_static).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS specot specot_static EXPORT specotTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(SPECOT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/specot)
install(EXPORT specotTargets NAMESPACE specot:: DESTINATION ${SPECOT_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/specotConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/specotConfig.cmake
                              INSTALL_DESTINATION ${SPECOT_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/specotConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/specotConfig.cmake
              ${PROJECT_BINARY_DIR}/specotConfigVersion.cmake
        DESTINATION ${SPECOT_CMAKE_DIR})

# pkg-config: ${pcfiledir}-relative prefix, so the installed tree can move.
file(RELATIVE_PATH SPECOT_PC_UP ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
configure_file(${PROJECT_SOURCE_DIR}/cmake/specot.pc.in ${PROJECT_BINARY_DIR}/specot.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/specot.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ctest: install into a temporary prefix and build examples/muon_direction.c
# against it with pkg-config and with find_package.
if(SPECOT_BUILD_TESTS)
  set(SPECOT_CONSUMER_FLAGS "")
  if(SPECOT_SANITIZE)
    set(SPECOT_CONSUMER_FLAGS "-fsanitize=address,undefined")
  endif()
  add_test(NAME packaging_install_consumer
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/packaging/consumer.sh ${PROJECT_BINARY_DIR}
                   ${PROJECT_SOURCE_DIR} "${SPECOT_CONSUMER_FLAGS}")
  set_tests_properties(packaging_install_consumer PROPERTIES TIMEOUT 300
                       ENVIRONMENT "OPENBLAS_NUM_THREADS=1;LSAN_OPTIONS=suppressions=${PROJECT_SOURCE_DIR}/tests/lsan.supp")
endif()
