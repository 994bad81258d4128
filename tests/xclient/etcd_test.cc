// etcd_test.cc: EtcdRegistration and EtcdDiscovery against a real etcd (Debian's etcd-server,
// /usr/bin/etcd) on 127.0.0.1 with ports picked at run time, restarted mid-test; real netrpc
// servers register and an XClient calls them. Plain suite only (CMakeLists.txt).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netrpc/etcd.h>
#include <netrpc/netrpc.h>
#include <netrpc/xclient.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "xclient/http_request.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kPrefix[] = "/netrpc-test/Who/";

// FreePort asks the kernel for a free port on 127.0.0.1 (bound, read, released).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

// Spawn runs argv with the environment plus extra, its stdout and stderr to out_fd (or to
// /dev/null when -1). Returns the pid, or -1.
pid_t Spawn(const std::vector<std::string>& argv, int out_fd,
            const std::vector<std::string>& extra_env = {}) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings(extra_env);
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> env;
  for (auto& e : env_strings) env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

void Kill(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = -1;
}

// WaitFor polls pred every 20 ms until it holds or limit passes; returns whether it held.
bool WaitFor(std::chrono::milliseconds limit, const std::function<bool()>& pred) {
  auto end = Clock::now() + limit;
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Etcd is one etcd process on 127.0.0.1 with two free ports; Restart keeps its ports and
// takes a data directory, the same or a new one.
class Etcd {
 public:
  Etcd() {
    char tmp[] = "/tmp/netrpc-etcd-XXXXXX";
    EXPECT_NE(mkdtemp(tmp), nullptr);
    root_ = tmp;
    client_port_ = FreePort();
    peer_port_ = FreePort();
    Start(root_ + "/data1");
  }
  ~Etcd() {
    Kill(pid_);
    std::filesystem::remove_all(root_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(client_port_); }
  std::string DataDir() const { return data_dir_; }
  std::string NewDataDir() { return root_ + "/data" + std::to_string(++dirs_); }

  void Start(const std::string& data_dir) {
    data_dir_ = data_dir;
    std::string client = Url();
    std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    int log = open((root_ + "/etcd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_ = Spawn(
        {"/usr/bin/etcd", "--name", "netrpc-test", "--data-dir", data_dir, "--listen-client-urls",
         client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
         "--initial-advertise-peer-urls", peer, "--initial-cluster", "netrpc-test=" + peer},
        log);
    close(log);
    ASSERT_GT(pid_, 0) << "cannot start /usr/bin/etcd (apt-get install etcd-server)";
    bool healthy = WaitFor(10s, [&] {
      auto a = netrpc::xclient::HttpRequest("GET", Url() + "/health", {}, 500ms);
      return a.ok() && a->status == 200 && a->body.find("\"true\"") != std::string::npos;
    });
    ASSERT_TRUE(healthy) << "etcd at " << Url() << " not healthy within 10 s; log in " << root_;
  }
  void Stop() { Kill(pid_); }

  // Keys lists the keys under prefix as etcdctl, an independent reader, prints them.
  std::set<std::string> Keys(const std::string& prefix) const {
    std::string cmd = "ETCDCTL_API=3 timeout 10 etcdctl --endpoints " + Url() + " get --prefix '" +
                      prefix + "' --keys-only 2>&1";
    std::set<std::string> out;
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char line[1024];
    while (fgets(line, sizeof line, p) != nullptr) {
      std::string s(line);
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
      if (!s.empty()) out.insert(s);
    }
    pclose(p);
    return out;
  }

  void Put(const std::string& key, const std::string& value) const {
    std::string cmd = "ETCDCTL_API=3 timeout 10 etcdctl --endpoints " + Url() + " put '" + key +
                      "' '" + value + "' >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }

 private:
  std::string root_, data_dir_;
  int client_port_ = 0, peer_port_ = 0, dirs_ = 1;
  pid_t pid_ = -1;
};

// Host is a netrpc server on 127.0.0.1:0 that answers Who.Name with its name.
class Host {
 public:
  explicit Host(std::string name) : name_(std::move(name)) {
    EXPECT_FALSE(server_.RegisterFunc("Who.Name", [this](int64_t, std::string* reply) {
      *reply = name_;
      return netrpc::Error{};
    }));
    EXPECT_FALSE(server_.Listen("tcp", "127.0.0.1:0"));
  }
  std::string Endpoint() const { return "tcp@" + server_.Address(); }

 private:
  std::string name_;
  netrpc::Server server_;
};

std::unique_ptr<netrpc::EtcdRegistration> Register(const Etcd& etcd, const std::string& endpoint,
                                                   std::chrono::seconds ttl, uint32_t weight = 1) {
  netrpc::Endpoint e{endpoint, weight};
  e.metadata["role"] = "test";
  auto r = netrpc::EtcdRegistration::Start(kPrefix, e,
                                           {.etcd = {.endpoints = {etcd.Url()}}, .ttl = ttl});
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? std::move(*r) : nullptr;
}

std::set<std::string> Addresses(netrpc::Discovery& d) {
  std::set<std::string> out;
  auto list = d.Endpoints();
  if (list.ok()) {
    for (const auto& e : *list) out.insert(e.address);
  }
  return out;
}

// Names makes n round-robin calls and returns the names that answered, sorted.
std::multiset<std::string> Names(netrpc::XClient& xc, int n) {
  std::multiset<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string who;
    netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who, {.timeout = 2000ms});
    EXPECT_FALSE(err) << err;
    out.insert(err ? "error" : who);
  }
  return out;
}

// Child is a server in a process of its own (this test binary again, see ChildMain), so that
// the test can kill it with SIGKILL: no Close, no revoke, only its lease's expiry.
class Child {
 public:
  Child(const Etcd& etcd, const std::string& name) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = Spawn({"/proc/self/exe"}, fds[1], {"NETRPC_ETCD_CHILD=" + etcd.Url() + " " + name});
    close(fds[1]);
    // The child prints "endpoint tcp@..." once registered (gtest_main prints before it).
    FILE* in = fdopen(fds[0], "r");
    char line[512];
    while (fgets(line, sizeof line, in) != nullptr) {
      std::string s(line);
      if (s.rfind("endpoint ", 0) == 0) {
        endpoint_ = s.substr(9, s.find_last_not_of("\r\n") - 8);
        break;
      }
    }
    fclose(in);
    EXPECT_FALSE(endpoint_.empty()) << "the child server did not register";
  }
  ~Child() { Kill(pid_); }
  void KillNow() { Kill(pid_); }
  std::string Endpoint() const { return endpoint_; }

 private:
  pid_t pid_ = -1;
  std::string endpoint_;
};

// ChildMain runs in the child (NETRPC_ETCD_CHILD="url name"): a server registered with a 2 s
// lease, until killed (or 60 s, so that a lost child cannot linger).
class ChildMain : public testing::Environment {
 public:
  void SetUp() override {
    const char* spec = std::getenv("NETRPC_ETCD_CHILD");
    if (spec == nullptr) return;
    std::string s(spec);
    std::string url = s.substr(0, s.find(' '));
    Host host(s.substr(s.find(' ') + 1));
    auto r = netrpc::EtcdRegistration::Start(kPrefix, host.Endpoint(),
                                             {.etcd = {.endpoints = {url}}, .ttl = 2s});
    if (!r.ok()) {
      std::printf("failed %s\n", r.error().message().c_str());
      std::fflush(stdout);
      std::_Exit(1);
    }
    std::printf("endpoint %s\n", host.Endpoint().c_str());
    std::fflush(stdout);
    std::this_thread::sleep_for(60s);
    std::_Exit(0);
  }
};
[[maybe_unused]] testing::Environment* const child_main =
    testing::AddGlobalTestEnvironment(new ChildMain);

TEST(Etcd, ServersJoinLeaveAndExpire) {
  Etcd etcd;
  Host a("a"), b("b");
  auto reg_a = Register(etcd, a.Endpoint(), 10s, 3);
  auto reg_b = Register(etcd, b.Endpoint(), 10s);
  Child c(etcd, "c");
  ASSERT_TRUE(reg_a && reg_b);
  EXPECT_EQ(reg_a->Key(), kPrefix + a.Endpoint());
  EXPECT_NE(reg_a->LeaseID(), 0);

  // A value that is not an endpoint, put by someone else: skipped, and reported.
  etcd.Put(std::string(kPrefix) + "tcp@127.0.0.1:2", "weight=1");
  // The first URL is dead: requests pass to the second.
  std::string dead = "http://127.0.0.1:" + std::to_string(FreePort());
  netrpc::EtcdDiscovery discovery(kPrefix, {.etcd = {.endpoints = {dead, etcd.Url()}}});
  EXPECT_NE(discovery.LastError().message().find("tcp@127.0.0.1:2\": not JSON"), std::string::npos)
      << discovery.LastError();
  std::set<std::string> all{a.Endpoint(), b.Endpoint(), c.Endpoint()};
  EXPECT_EQ(Addresses(discovery), all);  // the constructor waited for the first range
  auto list = discovery.Endpoints().value();
  auto ea =
      std::find_if(list.begin(), list.end(), [&](auto& e) { return e.address == a.Endpoint(); });
  ASSERT_NE(ea, list.end());
  EXPECT_EQ(ea->weight, 3u);
  EXPECT_EQ(ea->metadata, (std::map<std::string, std::string>{{"role", "test"}}));

  netrpc::XClient xc(discovery, {.select = netrpc::SelectMode::kRoundRobin});
  EXPECT_EQ(Names(xc, 6), (std::multiset<std::string>{"a", "a", "b", "b", "c", "c"}));

  // a leaves gracefully: the revoke deletes its key, the watch tells at once.
  uint64_t version = discovery.Version();
  auto start = Clock::now();
  EXPECT_FALSE(reg_a->Close());
  EXPECT_FALSE(reg_a->Close());  // a second Close does nothing
  EXPECT_TRUE(WaitFor(2s, [&] { return Addresses(discovery).count(a.Endpoint()) == 0; }))
      << "a still listed 2 s after its revoke";
  EXPECT_GT(discovery.Version(), version);
  std::printf("revoke seen after %lld ms\n", static_cast<long long>((Clock::now() - start) / 1ms));

  // c is killed: no revoke; its 2 s lease expires and etcd deletes its key.
  start = Clock::now();
  c.KillNow();
  EXPECT_TRUE(WaitFor(7s, [&] { return Addresses(discovery).count(c.Endpoint()) == 0; }))
      << "c still listed 7 s after it was killed (2 s TTL)";
  auto took = Clock::now() - start;
  EXPECT_GE(took, 1s);  // not before its lease ran out (2 s, less the time since its keepalive)
  std::printf("expiry seen after %lld ms\n", static_cast<long long>(took / 1ms));
  EXPECT_EQ(Addresses(discovery), std::set<std::string>{b.Endpoint()});
  EXPECT_EQ(Names(xc, 2), (std::multiset<std::string>{"b", "b"}));

  // d joins.
  Host d("d");
  start = Clock::now();
  auto reg_d = Register(etcd, d.Endpoint(), 10s);
  EXPECT_TRUE(WaitFor(2s, [&] { return Addresses(discovery).count(d.Endpoint()) == 1; }))
      << "d not listed 2 s after it registered";
  EXPECT_EQ(Addresses(discovery), (std::set<std::string>{b.Endpoint(), d.Endpoint()}));
  EXPECT_EQ(Names(xc, 4), (std::multiset<std::string>{"b", "b", "d", "d"}));
  EXPECT_EQ(etcd.Keys(kPrefix),
            (std::set<std::string>{kPrefix + b.Endpoint(), kPrefix + d.Endpoint(),
                                   std::string(kPrefix) + "tcp@127.0.0.1:2"}));
}

TEST(Etcd, AnEtcdThatComesUpLaterIsListed) {
  Etcd etcd;
  std::string url = etcd.Url();
  etcd.Stop();
  netrpc::EtcdDiscovery discovery(kPrefix, {.etcd = {.endpoints = {url}, .max_backoff = 300ms}});
  EXPECT_EQ(discovery.Endpoints().error().code(), netrpc::ErrorCode::kConnect);
  etcd.Start(etcd.DataDir());
  Host a("a");
  auto reg = Register(etcd, a.Endpoint(), 10s);
  EXPECT_TRUE(WaitFor(3s, [&] { return Addresses(discovery).count(a.Endpoint()) == 1; }))
      << discovery.LastError();
}

TEST(Etcd, SurvivesRestartsWithTheSameAndAnEmptyDataDir) {
  Etcd etcd;
  Host a("a"), b("b");
  auto reg_a = Register(etcd, a.Endpoint(), 3s);
  auto reg_b = Register(etcd, b.Endpoint(), 3s);
  ASSERT_TRUE(reg_a && reg_b);
  // A key with no lease and no registration behind it: after the empty restart it does not
  // come back, so the discovery drops it when the rejoin grace ends.
  const std::string ghost = "tcp@127.0.0.1:1";
  etcd.Put(kPrefix + ghost, "");
  // Revisions for the empty etcd to fall behind: it will have 1 + three puts.
  for (int i = 0; i < 5; ++i) etcd.Put("/netrpc-test-elsewhere", std::to_string(i));
  netrpc::EtcdDiscovery discovery(
      kPrefix, {.etcd = {.endpoints = {etcd.Url()}, .max_backoff = 500ms}, .rejoin_grace = 3s});
  netrpc::XClient xc(
      discovery, {.select = netrpc::SelectMode::kRoundRobin, .fail = netrpc::FailMode::kFailover});
  std::set<std::string> both{a.Endpoint(), b.Endpoint()};
  std::set<std::string> listed{a.Endpoint(), b.Endpoint(), ghost};
  EXPECT_EQ(Addresses(discovery), listed);

  // 1. etcd goes away: the list stays, calls go on (the servers are up).
  auto outage = [&] {
    etcd.Stop();
    EXPECT_TRUE(WaitFor(3s, [&] { return discovery.LastError().code() != netrpc::ErrorCode::kOk; }))
        << "the watch did not notice etcd's end";
    EXPECT_EQ(Addresses(discovery), listed);
    std::multiset<std::string> names = Names(xc, 4);
    EXPECT_EQ(names.count("error"), 0u);
    EXPECT_EQ(names.count("a") + names.count("b") + names.count("c"), 4u);
  };
  outage();

  // 2. etcd comes back with its data: the same keys (leases survive a restart), the watch is
  // re-opened: a server joining now is seen.
  etcd.Start(etcd.DataDir());
  EXPECT_TRUE(WaitFor(5s, [&] { return !discovery.LastError(); }))
      << "no range since the restart: " << discovery.LastError();
  EXPECT_EQ(Addresses(discovery), listed);
  std::set<std::string> keys{kPrefix + a.Endpoint(), kPrefix + b.Endpoint(), kPrefix + ghost};
  EXPECT_EQ(etcd.Keys(kPrefix), keys);
  Host c("c");
  auto reg_c = Register(etcd, c.Endpoint(), 3s);
  EXPECT_TRUE(WaitFor(2s, [&] { return Addresses(discovery).count(c.Endpoint()) == 1; }))
      << "c not seen 2 s after it registered: the watch was not re-opened";
  listed.insert(c.Endpoint());
  keys.insert(kPrefix + c.Endpoint());

  // 3. etcd goes away and comes back empty: the registrations grant new leases and put their
  // keys again; the discovery keeps its list meanwhile and then drops the ghost.
  outage();
  uint64_t lease_a = reg_a->LeaseID();
  etcd.Start(etcd.NewDataDir());
  auto start = Clock::now();
  bool dipped = false;  // the list was ever short of a live server
  bool back = WaitFor(6s, [&] {
    auto now = Addresses(discovery);
    for (const auto& s : {a.Endpoint(), b.Endpoint(), c.Endpoint()}) dipped |= now.count(s) == 0;
    return etcd.Keys(kPrefix).size() == 3;
  });
  EXPECT_TRUE(back) << "registrations not back 6 s after an empty etcd came up";
  // The discovery has ranged the new etcd (which has no ghost), yet the ghost is listed: the
  // rejoin grace (3 s) keeps it. Checked only while well inside the grace (a loaded machine).
  EXPECT_TRUE(WaitFor(3s, [&] { return !discovery.LastError(); })) << discovery.LastError();
  if (Clock::now() - start < 2500ms) {
    EXPECT_EQ(Addresses(discovery).count(ghost), 1u) << "dropped before the rejoin grace ended";
  }
  std::printf("re-registered after %lld ms\n",
              static_cast<long long>((Clock::now() - start) / 1ms));
  keys.erase(kPrefix + ghost);
  EXPECT_EQ(etcd.Keys(kPrefix), keys);
  EXPECT_NE(reg_a->LeaseID(), lease_a);  // a new lease
  EXPECT_TRUE(WaitFor(5s, [&] { return Addresses(discovery).count(ghost) == 0; }))
      << "the ghost outlived the 3 s rejoin grace";
  for (const auto& s : {a.Endpoint(), b.Endpoint(), c.Endpoint()}) {
    dipped |= Addresses(discovery).count(s) == 0;
  }
  EXPECT_FALSE(dipped);
  EXPECT_EQ(Addresses(discovery),
            (std::set<std::string>{a.Endpoint(), b.Endpoint(), c.Endpoint()}));
  EXPECT_EQ(Names(xc, 3), (std::multiset<std::string>{"a", "b", "c"}));

  // The watch on the new etcd works: b leaves and is gone.
  EXPECT_FALSE(reg_b->Close());
  EXPECT_TRUE(WaitFor(2s, [&] { return Addresses(discovery).count(b.Endpoint()) == 0; }));
}

TEST(Etcd, AnUnreachableEtcdIsAClearErrorInBoundedTime) {
  std::string url = "http://127.0.0.1:" + std::to_string(FreePort());  // nothing listens
  auto start = Clock::now();
  netrpc::EtcdDiscovery discovery(kPrefix, {.etcd = {.endpoints = {url}}});
  auto list = discovery.Endpoints();
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code(), netrpc::ErrorCode::kConnect);
  EXPECT_EQ(list.error().message(), "etcd " + url + "/v3/kv/range: Connection refused");
  netrpc::XClient xc(discovery);
  std::string who;
  netrpc::Error err = xc.Call("Who.Name", int64_t{0}, &who);
  EXPECT_EQ(err.code(), netrpc::ErrorCode::kConnect);
  EXPECT_NE(err.message().find("etcd " + url), std::string::npos) << err;

  auto reg =
      netrpc::EtcdRegistration::Start(kPrefix, "tcp@127.0.0.1:1", {.etcd = {.endpoints = {url}}});
  ASSERT_FALSE(reg.ok());
  EXPECT_EQ(reg.error().code(), netrpc::ErrorCode::kConnect);
  EXPECT_EQ(reg.error().message(), "etcd " + url + "/v3/lease/grant: Connection refused");
  EXPECT_LT(Clock::now() - start, 3s);

  // Bad arguments are kUsage, before any request.
  EXPECT_EQ(netrpc::EtcdRegistration::Start(kPrefix, "127.0.0.1:1", {}).error().code(),
            netrpc::ErrorCode::kUsage);
  EXPECT_EQ(netrpc::EtcdRegistration::Start("", "tcp@127.0.0.1:1", {}).error().message(),
            "etcd: an empty prefix");
  EXPECT_EQ(netrpc::EtcdDiscovery(kPrefix, {.etcd = {.endpoints = {"https://e:1"}}})
                .Endpoints()
                .error()
                .message(),
            "etcd url \"https://e:1\": want http://host:port/path");
}

// A server that is not etcd but answers: its answers are clear kProtocol errors.
TEST(Etcd, AnAnswerThatIsNotEtcdsIsAClearError) {
  netrpc::Server fake;
  ASSERT_FALSE(fake.HandleFunc("/v3/", [](const netrpc::HttpRequest& r, netrpc::HttpResponse* w) {
    if (r.path == "/v3/kv/range") {
      w->body = "<html>not etcd</html>";
    } else {
      w->status = 400;
      w->body = R"({"error":"bad TTL","message":"bad TTL","code":3})";
    }
  }));
  ASSERT_FALSE(fake.Listen("tcp", "127.0.0.1:0"));
  std::string url = "http://" + fake.Address();
  netrpc::EtcdDiscovery discovery(kPrefix, {.etcd = {.endpoints = {url}}});
  auto list = discovery.Endpoints();
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().code(), netrpc::ErrorCode::kProtocol);
  EXPECT_EQ(list.error().message(), "etcd " + url +
                                        "/v3/kv/range: answered 200 with a body that is not a "
                                        "JSON object: <html>not etcd</html>");
  auto reg =
      netrpc::EtcdRegistration::Start(kPrefix, "tcp@127.0.0.1:1", {.etcd = {.endpoints = {url}}});
  ASSERT_FALSE(reg.ok());
  EXPECT_EQ(reg.error().message(), "etcd " + url + "/v3/lease/grant: bad TTL");
}

}  // namespace
