// corohttp.cpp: corohttp's compiled part, built once. Every translation unit of the program, this
// one included, is compiled with -DCOROHTTP_SEPARATE_COMPILATION (see corohttp/config.hpp).
#include <corohttp/src.hpp>
