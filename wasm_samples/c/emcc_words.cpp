/* Fixture (WASI, C++ through Emscripten): the C++ standard library at work: std::string,
 * std::map, std::unordered_map, std::vector, std::sort with a lambda, virtual calls,
 * std::ostringstream and std::cout. Builds a pseudo-random text of `n` words (argv[1],
 * default 3000), counts the words, prints the ten most frequent and a checksum. Exit code 0. */
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Shape {
    virtual ~Shape() = default;
    virtual long area() const = 0;
    virtual const char *name() const = 0;
};
struct Rect : Shape {
    long w, h;
    Rect(long w_, long h_) : w(w_), h(h_) {}
    long area() const override { return w * h; }
    const char *name() const override { return "rect"; }
};
struct Tri : Shape {
    long b, h;
    Tri(long b_, long h_) : b(b_), h(h_) {}
    long area() const override { return b * h / 2; }
    const char *name() const override { return "tri"; }
};

uint32_t next(uint32_t &x) {
    x = x * 1664525u + 1013904223u;
    return x >> 8;
}

}  // namespace

int main(int argc, char **argv) {
    long n = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 3000;
    static const char *syll[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "wa"};
    uint32_t x = 2024;
    std::vector<std::string> words;
    for (long i = 0; i < n; i++) {
        std::string w;
        int len = 1 + next(x) % 3;
        for (int k = 0; k < len; k++) w += syll[next(x) % 8];
        words.push_back(w);
    }
    std::unordered_map<std::string, int> counts;
    for (const auto &w : words) counts[w]++;
    std::map<std::string, int> sorted(counts.begin(), counts.end());
    std::vector<std::pair<std::string, int>> top(sorted.begin(), sorted.end());
    std::sort(top.begin(), top.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::ostringstream os;
    for (size_t i = 0; i < top.size() && i < 10; i++)
        os << (i ? " " : "") << top[i].first << "=" << top[i].second;
    std::cout << "words " << n << ", distinct " << sorted.size() << "\n" << os.str() << "\n";

    std::vector<std::unique_ptr<Shape>> shapes;
    for (int i = 0; i < 100; i++) {
        if (next(x) % 2)
            shapes.push_back(std::make_unique<Rect>(next(x) % 50, next(x) % 50));
        else
            shapes.push_back(std::make_unique<Tri>(next(x) % 50, next(x) % 50));
    }
    long total = 0;
    std::map<std::string, int> kinds;
    for (const auto &s : shapes) {
        total += s->area();
        kinds[s->name()]++;
    }
    uint32_t h = 2166136261u;
    for (const auto &p : sorted)
        for (char c : p.first + std::to_string(p.second)) h = (h ^ (unsigned char)c) * 16777619u;
    std::printf("shapes rect=%d tri=%d area %ld\nchecksum %08x\n", kinds["rect"], kinds["tri"],
                total, h);
    return 0;
}
