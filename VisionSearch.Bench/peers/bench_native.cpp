// Native C++ references, measured through the same harness contract as the Node
// peers (one JSON line per (lib, ef) on stdout; see README.md):
//   --lib hnswlib     hnswlib 0.8.0 (the headers bundled in hnswlib-node 3.0.0), -O3 -march=native
//   --lib faiss-hnsw  faiss IndexHNSWFlat(METRIC_INNER_PRODUCT), Debian libfaiss-dev 1.7.3 (needs -DWITH_FAISS)
//   --lib flat        exact scan, own code (GCC vector extensions, -march=native), 1 thread
// Build: ./build-hnswlib.sh      Run: $DATA/bin/bench_native --lib hnswlib --base B --query Q --gt GT [--threads 2] ...
#include "common.h"
#include "hnswlib/hnswlib.h"
#include <algorithm>
#include <functional>
#include <atomic>
#include <string>
#include <thread>
#include <vector>
#include <unordered_set>
#ifdef WITH_FAISS
#include <faiss/IndexHNSW.h>
#include <omp.h>
#endif

struct Opts {
    std::string lib = "hnswlib", base, query, gt;
    int M = 16, efc = 200, k = 10, threads = 1, min_passes = 3, run = 0, seed = 100;
    double min_time = 1.0;
    std::vector<int> efs = {10, 20, 40, 80, 160, 320};
};

static double proc_status_mb(const char* field) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256]; double v = -1; size_t fl = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, fl) && line[fl] == ':') { v = atof(line + fl + 1) / 1024.0; break; }
    if (f) fclose(f);
    return v;
}

static int32_t* read_ivecs(const char* path, int* dim, size_t* n) {
    return (int32_t*)read_fvecs(path, dim, n);   // same layout, 4-byte payload
}

typedef float v16 __attribute__((vector_size(64)));
static inline float dot(const float* a, const float* b, int d) {
    v16 acc = {0};
    for (int j = 0; j < d; j += 16) { v16 x, y; memcpy(&x, a + j, 64); memcpy(&y, b + j, 64); acc += x * y; }
    float s = 0; for (int l = 0; l < 16; l++) s += acc[l];
    return s;
}

int main(int argc, char** argv) {
    Opts o;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i], v = argv[i + 1];
        if (a == "--lib") o.lib = v; else if (a == "--base") o.base = v; else if (a == "--query") o.query = v;
        else if (a == "--gt") o.gt = v; else if (a == "--M") o.M = atoi(v.c_str());
        else if (a == "--efc") o.efc = atoi(v.c_str()); else if (a == "--k") o.k = atoi(v.c_str());
        else if (a == "--threads") o.threads = atoi(v.c_str()); else if (a == "--run") o.run = atoi(v.c_str());
        else if (a == "--min-time") o.min_time = atof(v.c_str()); else if (a == "--min-passes") o.min_passes = atoi(v.c_str());
        else if (a == "--seed") o.seed = atoi(v.c_str());
        else if (a == "--ef") { o.efs.clear(); size_t p = 0; while (p < v.size()) { size_t c = v.find(',', p); if (c == std::string::npos) c = v.size(); o.efs.push_back(atoi(v.substr(p, c - p).c_str())); p = c + 1; } }
        else { fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
    }
    if (o.base.empty() || o.query.empty() || o.gt.empty()) { fprintf(stderr, "need --base --query --gt\n"); return 2; }
    int d, dq, kgt; size_t n, nq, ngt;
    float* B = read_fvecs(o.base.c_str(), &d, &n);
    float* Q = read_fvecs(o.query.c_str(), &dq, &nq);
    int32_t* G = read_ivecs(o.gt.c_str(), &kgt, &ngt);
    if (d != dq || ngt != nq || kgt < o.k || d % 16) { fprintf(stderr, "bad inputs\n"); return 2; }
    double rss_load = proc_status_mb("VmRSS");

    std::string lib, version, variant;
    std::function<void(int)> set_ef;
    std::function<void(const float*, int, int64_t*)> search;   // ids best-first into out[k]
    double build_s = 0;
    int build_threads = o.threads;
    hnswlib::InnerProductSpace space(d);
    hnswlib::HierarchicalNSW<float>* hi = nullptr;
#ifdef WITH_FAISS
    faiss::IndexHNSWFlat* fi = nullptr;
#endif
    bool is_flat = false;

    if (o.lib == "hnswlib") {
        lib = "hnswlib-cpp"; variant = "march-native";
        version = "0.8.0";
        hi = new hnswlib::HierarchicalNSW<float>(&space, n, o.M, o.efc, o.seed);
        double t0 = now_s();
        if (o.threads <= 1) {
            for (size_t i = 0; i < n; i++) hi->addPoint(B + i * d, i);
        } else {   // same scheme as hnswlib's Python add_items(num_threads=N)
            std::atomic<size_t> next(0);
            std::vector<std::thread> ts;
            for (int t = 0; t < o.threads; t++) ts.emplace_back([&] {
                for (size_t i; (i = next.fetch_add(1)) < n;) hi->addPoint(B + i * d, i);
            });
            for (auto& t : ts) t.join();
        }
        build_s = now_s() - t0;
        set_ef = [&](int ef) { hi->setEf(ef); };
        search = [&](const float* q, int k, int64_t* out) {
            auto pq = hi->searchKnn(q, k);
            int m = (int)pq.size();
            for (int i = m - 1; i >= 0; i--) { out[i] = (int64_t)pq.top().second; pq.pop(); }
            for (int i = m; i < k; i++) out[i] = -1;
        };
    }
#ifdef WITH_FAISS
    else if (o.lib == "faiss-hnsw") {
        lib = "faiss-cpp IndexHNSWFlat"; variant = "debian-libfaiss";
        version = std::to_string(FAISS_VERSION_MAJOR) + "." + std::to_string(FAISS_VERSION_MINOR) + "." + std::to_string(FAISS_VERSION_PATCH);
        fi = new faiss::IndexHNSWFlat(d, o.M, faiss::METRIC_INNER_PRODUCT);
        fi->hnsw.efConstruction = o.efc;
        omp_set_num_threads(o.threads);
        double t0 = now_s();
        fi->add(n, B);
        build_s = now_s() - t0;
        omp_set_num_threads(1);
        set_ef = [&](int ef) { fi->hnsw.efSearch = ef; };
        search = [&](const float* q, int k, int64_t* out) {
            std::vector<float> D(k);
            fi->search(1, q, k, D.data(), (faiss::Index::idx_t*)out);
        };
    }
#endif
    else if (o.lib == "flat") {
        lib = "flat-scan-c"; variant = "march-native"; version = "own"; is_flat = true; build_threads = 1;
        set_ef = [](int) {};
        search = [&](const float* q, int k, int64_t* out) {
            std::vector<std::pair<float, int64_t>> h;   // min-heap of best k
            h.reserve(k + 1);
            auto cmp = [](const std::pair<float, int64_t>& a, const std::pair<float, int64_t>& b) { return a.first > b.first; };
            for (size_t i = 0; i < n; i++) {
                float s = dot(q, B + i * d, d);
                if ((int)h.size() < k) { h.emplace_back(s, i); std::push_heap(h.begin(), h.end(), cmp); }
                else if (s > h.front().first) { std::pop_heap(h.begin(), h.end(), cmp); h.back() = {s, (int64_t)i}; std::push_heap(h.begin(), h.end(), cmp); }
            }
            std::sort_heap(h.begin(), h.end(), cmp);   // descending score
            for (int i = 0; i < k; i++) out[i] = i < (int)h.size() ? h[i].second : -1;
        };
        o.efs = {0};
    } else { fprintf(stderr, "unknown --lib %s (faiss-hnsw needs a WITH_FAISS build)\n", o.lib.c_str()); return 2; }
    fprintf(stderr, "%s build %.1f s with %d thread(s)\n", lib.c_str(), build_s, build_threads);

    struct Row { int ef; double recall, qps; int passes; };
    std::vector<Row> rows;
    std::vector<int64_t> res(nq * o.k);
    for (int ef : o.efs) {
        set_ef(ef);
        for (size_t q = 0; q < nq; q++) search(Q + q * d, o.k, &res[q * o.k]);   // warm-up + recall
        size_t hit = 0;
        for (size_t q = 0; q < nq; q++) {
            std::unordered_set<int64_t> truth(G + q * kgt, G + q * kgt + o.k);
            for (int i = 0; i < o.k; i++) hit += truth.count(res[q * o.k + i]);
        }
        std::vector<double> pq;
        double total = 0;
        int min_passes = is_flat ? 1 : o.min_passes;
        double min_time = is_flat ? 0 : o.min_time;
        std::vector<int64_t> tmp(o.k);
        while ((int)pq.size() < min_passes || total < min_time) {
            double t0 = now_s();
            for (size_t q = 0; q < nq; q++) search(Q + q * d, o.k, tmp.data());
            double dt = now_s() - t0;
            pq.push_back(nq / dt); total += dt;
        }
        std::sort(pq.begin(), pq.end());
        rows.push_back({ef, (double)hit / (nq * o.k), pq[pq.size() / 2], (int)pq.size()});
    }
    double rss = proc_status_mb("VmHWM");
    for (auto& r : rows) {
        char efs[32], mm[32], efc[32];
        snprintf(efs, sizeof efs, is_flat ? "null" : "%d", r.ef);
        snprintf(mm, sizeof mm, is_flat ? "null" : "%d", o.M);
        snprintf(efc, sizeof efc, is_flat ? "null" : "%d", o.efc);
        printf("{\"lib\":\"%s\",\"version\":\"%s\",\"variant\":\"%s\",\"n\":%zu,\"dim\":%d,\"M\":%s,\"efC\":%s,"
               "\"build_s\":%.3f,\"build_threads\":%d,\"ef\":%s,\"recall10\":%.4f,\"qps\":%.3f,\"rss_mb\":%.3f,"
               "\"rss_load_mb\":%.3f,\"qps_passes\":%d,\"k\":%d,\"run\":%d}\n",
               lib.c_str(), version.c_str(), variant.c_str(), n, d, mm, efc, build_s, build_threads, efs,
               r.recall, r.qps, rss, rss_load, r.passes, o.k, o.run);
    }
    return 0;
}
