# Compiler flags shared by every target.
add_library(sf_flags INTERFACE)
target_compile_options(sf_flags INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
if(SF_NATIVE)
  target_compile_options(sf_flags INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-march=native>)
endif()
target_compile_options(sf_flags INTERFACE $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<CONFIG:Release>>:-O3>)
if(SF_SANITIZE)
  target_compile_options(sf_flags INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined>)
  target_link_options(sf_flags INTERFACE -fsanitize=address,undefined)
endif()
target_link_libraries(sf_flags INTERFACE OpenMP::OpenMP_CXX)
