// The JavaScript Model class: one network, its optimizer and loss, trained and run off the JS thread.
#pragma once

#include <napi.h>

#include <memory>

namespace tileflow {

struct Engine;

/// Sets the intra-op thread count used by every model's work from now on (0 = libtorch's default).
void setThreads(int threads);
int threads();

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Model(const Napi::CallbackInfo& info);

 private:
  Napi::Value Configure(const Napi::CallbackInfo& info);
  Napi::Value TrainStep(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value SetLearningRate(const Napi::CallbackInfo& info);
  Napi::Value Save(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value SaveOptimizer(const Napi::CallbackInfo& info);
  Napi::Value LoadOptimizer(const Napi::CallbackInfo& info);
  Napi::Value State(const Napi::CallbackInfo& info);
  Napi::Value SetTrainable(const Napi::CallbackInfo& info);
  Napi::Value ParameterCount(const Napi::CallbackInfo& info);

  std::shared_ptr<Engine> engine_;
};

}  // namespace tileflow
