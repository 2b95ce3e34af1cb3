// The executable of one example program; its code is compiled in a unity translation unit (see
// meson.build), with main() renamed COROHTTP_EXAMPLE::run().
namespace COROHTTP_EXAMPLE {
int run(int argc, char** argv);
}

int main(int argc, char** argv) { return COROHTTP_EXAMPLE::run(argc, argv); }
