# Test registration. Every tests/unit/test_*.c is one cmocka executable and one ctest test.
# Every tests/integration/test_*.py is one ctest test run with python3 (real emulator, real git).
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

set(DM_SHARED_DIR "${CMAKE_SOURCE_DIR}/../shared" CACHE PATH "Folder holding the shared corpus")
get_filename_component(DM_SHARED_DIR "${DM_SHARED_DIR}" ABSOLUTE)

file(GLOB DM_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${DM_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/tests/unit/testutil.c)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/scanner ${CMAKE_SOURCE_DIR}
                             ${CMAKE_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE driftmap_static PkgConfig::CMOCKA)
  target_compile_definitions(${name} PRIVATE
    DM_FIXTURES_DIR="${CMAKE_SOURCE_DIR}/fixtures"
    DM_SHARED_DIR="${DM_SHARED_DIR}"
    DM_BUILD_DIR="${CMAKE_BINARY_DIR}"
    DM_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
    ENVIRONMENT "DM_UPDATE_GOLDEN=$ENV{DM_UPDATE_GOLDEN};DM_REQUIRE_PG=$ENV{DM_REQUIRE_PG}")
endforeach()

# Shared objects used by tests (example plugins).
file(GLOB DM_TEST_PLUGINS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/plugins/*.c)
foreach(src ${DM_TEST_PLUGINS})
  get_filename_component(name ${src} NAME_WE)
  add_library(${name} MODULE ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(${name} PRIVATE PkgConfig::DEPS)
  set_target_properties(${name} PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/plugins)
endforeach()

find_program(PYTHON3 python3 REQUIRED)
set(DM_TEST_CFLAGS "")
if(DM_SANITIZE)
  set(DM_TEST_CFLAGS "-fsanitize=address,undefined")
endif()
file(GLOB DM_INTEGRATION_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/integration/test_*.py)
foreach(src ${DM_INTEGRATION_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME integration.${name} COMMAND ${PYTHON3} ${src})
  set_tests_properties(integration.${name} PROPERTIES TIMEOUT 1200
    ENVIRONMENT "DM_BIN=$<TARGET_FILE:driftmap>;DM_BUILD_DIR=${CMAKE_BINARY_DIR};DM_SOURCE_DIR=${CMAKE_SOURCE_DIR};DM_SHARED_DIR=${DM_SHARED_DIR};DM_PLUGIN_DIR=${CMAKE_BINARY_DIR}/plugins;DM_TEST_CFLAGS=${DM_TEST_CFLAGS}")
  set_tests_properties(integration.${name} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
