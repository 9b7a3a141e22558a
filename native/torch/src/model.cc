#include "model.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <thread>
#include <functional>
#include <mutex>
#include <stdexcept>

#include "graph.h"
#include "losses.h"

namespace tileflow {

namespace {

std::atomic<int> gThreads{0};

// Applies the requested thread count on the calling thread: OpenMP settings are per thread,
// and work runs on libuv's pool threads.
void applyThreads() {
  int wanted = gThreads.load();
  if (wanted > 0 && at::get_num_threads() != wanted) at::set_num_threads(wanted);
}

std::string describe(const std::exception& e) {
  if (auto c10error = dynamic_cast<const c10::Error*>(&e)) return c10error->what_without_backtrace();
  return e.what();
}

}  // namespace

void setThreads(int threads) {
  gThreads = threads;
  applyThreads();
}

int threads() { return gThreads.load() > 0 ? gThreads.load() : at::get_num_threads(); }

struct Engine {
  explicit Engine(std::vector<NodeSpec> nodes, torch::Device device) : net(std::move(nodes)), device(device) {
    net->moveTo(device);
  }
  GraphNet net;
  torch::Device device;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  LossOptions loss;
  std::string regularizer = "none";
  double regularization = 0;
  std::mutex mutex;

  torch::Tensor penalty() {
    if (regularizer == "none" || regularization == 0) return {};
    torch::Tensor sum;
    for (auto& p : net->namedTensors(false)) {
      if (!p.second.requires_grad() || p.second.dim() < 2) continue;  // weights only, as Keras' kernel_regularizer
      auto term = regularizer == "l1" ? p.second.abs().sum() : p.second.pow(2).sum();
      sum = sum.defined() ? sum + term : term;
    }
    return sum.defined() ? sum * regularization : sum;
  }
};

namespace {

/// A typed array and its shape, kept alive by a reference while work runs off the JS thread.
struct HeldArray {
  void* data = nullptr;
  size_t length = 0;
  std::vector<int64_t> shape;
  Napi::Reference<Napi::Value> ref;
};

std::vector<int64_t> readShape(const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), std::string(what) + " shape must be an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value d = array.Get(i);
    if (!d.IsNumber() || d.As<Napi::Number>().DoubleValue() < 0)
      throw Napi::TypeError::New(value.Env(), std::string(what) + " shape must be an array of non-negative integers");
    shape.push_back(d.As<Napi::Number>().Int64Value());
  }
  return shape;
}

HeldArray holdArray(const Napi::Value& value, const Napi::Value& shapeValue, napi_typedarray_type type,
                    const char* what) {
  const char* typeName = type == napi_float32_array ? "Float32Array" : "Int32Array";
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(value.Env(), std::string(what) + " must be a " + typeName);
  HeldArray held;
  auto array = value.As<Napi::TypedArray>();
  held.length = array.ElementLength();
  held.data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  held.shape = readShape(shapeValue, what);
  int64_t count = 1;
  for (auto d : held.shape) count *= d;
  if (static_cast<size_t>(count) != held.length)
    throw Napi::RangeError::New(value.Env(), std::string(what) + " has " + std::to_string(held.length) +
                                                 " values but its shape holds " + std::to_string(count));
  held.ref = Napi::Persistent(value);
  return held;
}

torch::Tensor inputTensor(const HeldArray& x, const torch::Device& device) {
  return torch::from_blob(x.data, x.shape, torch::kFloat32).to(device);
}

torch::Tensor labelTensor(const HeldArray& y, const torch::Device& device) {
  return torch::from_blob(y.data, y.shape, torch::kInt32).to(device, torch::kLong);
}

std::vector<float> toFloats(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

std::vector<int32_t> toInts(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kCPU, torch::kInt32).contiguous();
  return std::vector<int32_t>(c.data_ptr<int32_t>(), c.data_ptr<int32_t>() + c.numel());
}

Napi::Float32Array floatArray(Napi::Env env, const std::vector<float>& values) {
  auto out = Napi::Float32Array::New(env, values.size());
  std::copy(values.begin(), values.end(), out.Data());
  return out;
}

Napi::Int32Array intArray(Napi::Env env, const std::vector<int32_t>& values) {
  auto out = Napi::Int32Array::New(env, values.size());
  std::copy(values.begin(), values.end(), out.Data());
  return out;
}

Napi::Array shapeArray(Napi::Env env, const std::vector<int64_t>& shape) {
  auto out = Napi::Array::New(env, shape.size());
  for (size_t i = 0; i < shape.size(); ++i) out.Set(i, Napi::Number::New(env, static_cast<double>(shape[i])));
  return out;
}

/**
 * The one thread all model work runs on. libtorch's OpenMP keeps a team of threads per calling thread,
 * so spreading steps over libuv's pool leaves idle teams spinning against the working one (measured:
 * 80 instead of 98 training images/s on two cores); one long-lived thread keeps one team.
 */
class TorchThread {
 public:
  static TorchThread& instance() {
    static TorchThread* thread = new TorchThread();  // never destroyed: it lives as long as the process
    return *thread;
  }
  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    ready_.notify_one();
  }

 private:
  TorchThread() { std::thread([this] { run(); }).detach(); }
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !tasks_.empty(); });
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
};

/// A queued piece of work and how to settle its promise; created and deleted on the JS thread.
struct Pending {
  Napi::Promise::Deferred deferred;
  std::function<void()> work;
  std::function<Napi::Value(Napi::Env)> finish;
  Napi::ThreadSafeFunction done;
  std::string error;
  bool failed = false;
};

/// A promise already rejected with `error`: promise-returning methods never throw synchronously.
Napi::Value rejected(Napi::Env env, const Napi::Error& error) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Reject(error.Value());
  return deferred.Promise();
}

/// Runs `work` on the torch thread and settles a promise with `finish` (or the error's message).
Napi::Value queue(Napi::Env env, std::function<void()> work, std::function<Napi::Value(Napi::Env)> finish) {
  auto pending = new Pending{Napi::Promise::Deferred::New(env), std::move(work), std::move(finish),
                             Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                                           "tileflow-torch", 0, 1),
                             "", false};
  auto promise = pending->deferred.Promise();
  TorchThread::instance().post([pending] {
    try {
      applyThreads();
      pending->work();
    } catch (const std::exception& e) {
      pending->failed = true;
      pending->error = describe(e);
    } catch (...) {
      pending->failed = true;
      pending->error = "unknown error in libtorch";
    }
    auto done = pending->done;
    done.BlockingCall(pending, [](Napi::Env env, Napi::Function, Pending* p) {
      if (p->failed) {
        p->deferred.Reject(Napi::Error::New(env, p->error).Value());
      } else {
        try {
          p->deferred.Resolve(p->finish(env));
        } catch (const Napi::Error& e) {
          p->deferred.Reject(e.Value());
        }
      }
      delete p;
    });
    done.Release();
  });
  return promise;
}

double numberOption(const Napi::Object& o, const char* key, double fallback) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  if (!o.Get(key).IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  return o.Get(key).As<Napi::Number>().DoubleValue();
}

std::string stringOption(const Napi::Object& o, const char* key, const std::string& fallback) {
  if (!o.Has(key) || o.Get(key).IsUndefined()) return fallback;
  if (!o.Get(key).IsString()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a string");
  return o.Get(key).As<Napi::String>().Utf8Value();
}

std::vector<NodeSpec> readSpec(const Napi::Value& value) {
  auto env = value.Env();
  if (!value.IsArray()) throw Napi::TypeError::New(env, "model spec must be an array of nodes");
  auto array = value.As<Napi::Array>();
  std::vector<NodeSpec> nodes;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsObject()) throw Napi::TypeError::New(env, "model spec node " + std::to_string(i) + " must be an object");
    auto o = item.As<Napi::Object>();
    NodeSpec node;
    node.name = stringOption(o, "name", "");
    node.op = stringOption(o, "op", "");
    node.path = stringOption(o, "path", "");
    if (node.name.empty() || node.op.empty())
      throw Napi::TypeError::New(env, "model spec node " + std::to_string(i) + " needs a name and an op");
    auto keys = o.GetPropertyNames();
    for (uint32_t k = 0; k < keys.Length(); ++k) {
      auto key = keys.Get(k).As<Napi::String>().Utf8Value();
      Napi::Value v = o.Get(key);
      if (v.IsUndefined() || v.IsNull()) continue;
      if (key == "inputs") {
        if (!v.IsArray()) throw Napi::TypeError::New(env, "node " + node.name + ": inputs must be an array of names");
        auto in = v.As<Napi::Array>();
        for (uint32_t j = 0; j < in.Length(); ++j) node.inputs.push_back(in.Get(j).ToString().Utf8Value());
      } else if (v.IsNumber()) {
        node.params[key] = v.As<Napi::Number>().DoubleValue();
      } else if (v.IsBoolean()) {
        node.params[key] = v.As<Napi::Boolean>().Value() ? 1 : 0;
      }
    }
    nodes.push_back(std::move(node));
  }
  return nodes;
}

}  // namespace

Napi::Function Model::Define(Napi::Env env) {
  return DefineClass(env, "Model",
                     {InstanceMethod("configure", &Model::Configure), InstanceMethod("trainStep", &Model::TrainStep),
                      InstanceMethod("evaluate", &Model::Evaluate), InstanceMethod("predict", &Model::Predict),
                      InstanceMethod("setLearningRate", &Model::SetLearningRate), InstanceMethod("save", &Model::Save),
                      InstanceMethod("load", &Model::Load), InstanceMethod("saveOptimizer", &Model::SaveOptimizer),
                      InstanceMethod("loadOptimizer", &Model::LoadOptimizer), InstanceMethod("state", &Model::State),
                      InstanceMethod("setTrainable", &Model::SetTrainable),
                      InstanceMethod("parameterCount", &Model::ParameterCount)});
}

Model::Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
  auto env = info.Env();
  auto nodes = readSpec(info[0]);
  std::string deviceName = "cpu";
  if (info.Length() > 1 && info[1].IsObject()) deviceName = stringOption(info[1].As<Napi::Object>(), "device", "cpu");
  try {
    torch::Device device(deviceName);
    if (device.is_cuda() && !torch::cuda::is_available())
      throw std::invalid_argument("device " + deviceName + " requested but this libtorch has no CUDA device available");
    applyThreads();
    engine_ = std::make_shared<Engine>(std::move(nodes), device);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, describe(e));
  }
}

Napi::Value Model::Configure(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "configure needs an options object");
  auto o = info[0].As<Napi::Object>();
  std::lock_guard<std::mutex> lock(engine_->mutex);
  auto name = stringOption(o, "optimizer", "adam");
  double lr = numberOption(o, "lr", 1e-3);
  double weightDecay = numberOption(o, "weightDecay", 0);
  std::vector<torch::Tensor> params;
  for (auto& p : engine_->net->namedTensors(false))
    if (p.second.requires_grad()) params.push_back(p.second);
  try {
    if (name == "adam") {
      engine_->optimizer = std::make_unique<torch::optim::Adam>(
          params, torch::optim::AdamOptions(lr)
                      .betas({numberOption(o, "beta1", 0.9), numberOption(o, "beta2", 0.999)})
                      .eps(numberOption(o, "epsilon", 1e-7))
                      .weight_decay(weightDecay));
    } else if (name == "sgd") {
      double momentum = numberOption(o, "momentum", 0);
      engine_->optimizer = std::make_unique<torch::optim::SGD>(
          params, torch::optim::SGDOptions(lr).momentum(momentum).nesterov(o.Has("nesterov") && o.Get("nesterov").ToBoolean() && momentum > 0).weight_decay(weightDecay));
    } else if (name == "rmsprop") {
      engine_->optimizer = std::make_unique<torch::optim::RMSprop>(
          params, torch::optim::RMSpropOptions(lr)
                      .alpha(numberOption(o, "rho", 0.9))
                      .eps(numberOption(o, "epsilon", 1e-7))
                      .momentum(numberOption(o, "momentum", 0))
                      .weight_decay(weightDecay));
    } else {
      throw std::invalid_argument("unknown optimizer " + name + "; expected adam, sgd or rmsprop");
    }
    engine_->loss.name = stringOption(o, "loss", "categorical_crossentropy");
    engine_->loss.focalGamma = numberOption(o, "focalGamma", 2.0);
    checkLoss(engine_->loss.name);
    engine_->regularizer = stringOption(o, "regularizer", "none");
    if (engine_->regularizer != "none" && engine_->regularizer != "l1" && engine_->regularizer != "l2")
      throw std::invalid_argument("unknown regularizer " + engine_->regularizer + "; expected l1, l2 or none");
    engine_->regularization = numberOption(o, "regularization", 0);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, describe(e));
  }
  return env.Undefined();
}

Napi::Value Model::TrainStep(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!engine_->optimizer) return rejected(env, Napi::Error::New(env, "call configure() before trainStep()"));
  std::shared_ptr<HeldArray> x, y;
  try {
    x = std::make_shared<HeldArray>(holdArray(info[0], info[1], napi_float32_array, "x"));
    y = std::make_shared<HeldArray>(holdArray(info[2], info[3], napi_int32_array, "y"));
  } catch (const Napi::Error& e) {
    return rejected(env, e);
  }
  auto engine = engine_;
  auto result = std::make_shared<std::pair<double, std::vector<int32_t>>>();
  return queue(
      env,
      [engine, x, y, result] {
        std::lock_guard<std::mutex> lock(engine->mutex);
        engine->net->setMode(true);
        engine->optimizer->zero_grad();
        auto logits = engine->net->forward(inputTensor(*x, engine->device));
        auto loss = computeLoss(engine->loss, logits, labelTensor(*y, engine->device));
        auto penalty = engine->penalty();
        if (penalty.defined()) loss = loss + penalty;
        loss.backward();
        engine->optimizer->step();
        result->first = loss.item<double>();
        result->second = toInts(logits.detach().argmax(1));
      },
      [x, y, result](Napi::Env env) {
        auto out = Napi::Object::New(env);
        out.Set("loss", result->first);
        out.Set("predicted", intArray(env, result->second));
        return out;
      });
}

Napi::Value Model::Evaluate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::shared_ptr<HeldArray> x, y;
  try {
    x = std::make_shared<HeldArray>(holdArray(info[0], info[1], napi_float32_array, "x"));
    y = std::make_shared<HeldArray>(holdArray(info[2], info[3], napi_int32_array, "y"));
  } catch (const Napi::Error& e) {
    return rejected(env, e);
  }
  auto engine = engine_;
  struct Out {
    double loss;
    std::vector<int32_t> predicted;
    std::vector<float> probabilities;
    std::vector<int64_t> shape;
  };
  auto result = std::make_shared<Out>();
  return queue(
      env,
      [engine, x, y, result] {
        std::lock_guard<std::mutex> lock(engine->mutex);
        torch::NoGradGuard noGrad;
        engine->net->setMode(false);
        auto logits = engine->net->forward(inputTensor(*x, engine->device));
        result->loss = computeLoss(engine->loss, logits, labelTensor(*y, engine->device)).item<double>();
        result->predicted = toInts(logits.argmax(1));
        auto probabilities = torch::softmax(logits, 1);
        result->probabilities = toFloats(probabilities);
        result->shape = probabilities.sizes().vec();
      },
      [x, y, result](Napi::Env env) {
        auto out = Napi::Object::New(env);
        out.Set("loss", result->loss);
        out.Set("predicted", intArray(env, result->predicted));
        out.Set("probabilities", floatArray(env, result->probabilities));
        out.Set("shape", shapeArray(env, result->shape));
        return out;
      });
}

Napi::Value Model::Predict(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::shared_ptr<HeldArray> x;
  try {
    x = std::make_shared<HeldArray>(holdArray(info[0], info[1], napi_float32_array, "x"));
  } catch (const Napi::Error& e) {
    return rejected(env, e);
  }
  bool logitsOnly = info.Length() > 2 && info[2].IsObject() && info[2].As<Napi::Object>().Get("logits").ToBoolean();
  auto engine = engine_;
  auto result = std::make_shared<std::pair<std::vector<float>, std::vector<int64_t>>>();
  return queue(
      env,
      [engine, x, logitsOnly, result] {
        std::lock_guard<std::mutex> lock(engine->mutex);
        torch::NoGradGuard noGrad;
        engine->net->setMode(false);
        auto out = engine->net->forward(inputTensor(*x, engine->device));
        if (!logitsOnly) out = torch::softmax(out, 1);
        result->first = toFloats(out);
        result->second = out.sizes().vec();
      },
      [x, result](Napi::Env env) {
        auto out = Napi::Object::New(env);
        out.Set("data", floatArray(env, result->first));
        out.Set("shape", shapeArray(env, result->second));
        return out;
      });
}

Napi::Value Model::SetLearningRate(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "learning rate must be a number");
  if (!engine_->optimizer) throw Napi::Error::New(env, "call configure() before setLearningRate()");
  std::lock_guard<std::mutex> lock(engine_->mutex);
  double lr = info[0].As<Napi::Number>().DoubleValue();
  for (auto& group : engine_->optimizer->param_groups()) group.options().set_lr(lr);
  return env.Undefined();
}

Napi::Value Model::Save(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto path = info[0].ToString().Utf8Value();
  std::lock_guard<std::mutex> lock(engine_->mutex);
  try {
    torch::serialize::OutputArchive archive;
    for (auto& p : engine_->net->namedTensors(false)) archive.write(p.first, p.second.detach().cpu());
    for (auto& b : engine_->net->namedTensors(true)) archive.write(b.first, b.second.cpu(), true);
    archive.save_to(path);
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, describe(e));
  }
  return env.Undefined();
}

Napi::Value Model::Load(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto path = info[0].ToString().Utf8Value();
  std::lock_guard<std::mutex> lock(engine_->mutex);
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, torch::kCPU);
    torch::NoGradGuard noGrad;
    for (bool buffers : {false, true}) {
      for (auto& p : engine_->net->namedTensors(buffers)) {
        torch::Tensor stored;
        if (!archive.try_read(p.first, stored, buffers))
          throw std::invalid_argument("weights file " + path + " has no tensor " + p.first + " for this model");
        if (stored.sizes() != p.second.sizes())
          throw std::invalid_argument("weights file " + path + ": tensor " + p.first + " has shape " +
                                      c10::str(stored.sizes()) + ", the model expects " + c10::str(p.second.sizes()));
        p.second.copy_(stored);
      }
    }
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, describe(e));
  }
  return env.Undefined();
}

Napi::Value Model::SaveOptimizer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!engine_->optimizer) throw Napi::Error::New(env, "call configure() before saveOptimizer()");
  std::lock_guard<std::mutex> lock(engine_->mutex);
  try {
    torch::save(*engine_->optimizer, info[0].ToString().Utf8Value());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, describe(e));
  }
  return env.Undefined();
}

Napi::Value Model::LoadOptimizer(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!engine_->optimizer) throw Napi::Error::New(env, "call configure() before loadOptimizer()");
  std::lock_guard<std::mutex> lock(engine_->mutex);
  try {
    torch::load(*engine_->optimizer, info[0].ToString().Utf8Value());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, describe(e));
  }
  return env.Undefined();
}

Napi::Value Model::State(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::lock_guard<std::mutex> lock(engine_->mutex);
  auto out = Napi::Array::New(env);
  uint32_t i = 0;
  for (bool buffers : {false, true}) {
    for (auto& p : engine_->net->namedTensors(buffers)) {
      auto entry = Napi::Object::New(env);
      entry.Set("name", p.first);
      entry.Set("kind", buffers ? "buffer" : "parameter");
      entry.Set("shape", shapeArray(env, p.second.sizes().vec()));
      entry.Set("data", floatArray(env, toFloats(p.second)));
      entry.Set("trainable", !buffers && p.second.requires_grad());
      out.Set(i++, entry);
    }
  }
  return out;
}

Napi::Value Model::SetTrainable(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "setTrainable needs an array of name prefixes");
  auto prefixes = info[0].As<Napi::Array>();
  bool trainable = info[1].ToBoolean();
  std::lock_guard<std::mutex> lock(engine_->mutex);
  uint32_t changed = 0;
  for (auto& p : engine_->net->namedTensors(false)) {
    for (uint32_t i = 0; i < prefixes.Length(); ++i) {
      auto prefix = prefixes.Get(i).ToString().Utf8Value();
      if (p.first == prefix || p.first.rfind(prefix + ".", 0) == 0) {
        p.second.requires_grad_(trainable);
        ++changed;
        break;
      }
    }
  }
  return Napi::Number::New(env, changed);
}

Napi::Value Model::ParameterCount(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::lock_guard<std::mutex> lock(engine_->mutex);
  double total = 0, trainable = 0;
  for (auto& p : engine_->net->namedTensors(false)) {
    total += static_cast<double>(p.second.numel());
    if (p.second.requires_grad()) trainable += static_cast<double>(p.second.numel());
  }
  auto out = Napi::Object::New(env);
  out.Set("total", total);
  out.Set("trainable", trainable);
  return out;
}

}  // namespace tileflow
