"""The worker's one error type: a stable code, a message safe to show a user, and what RunPod should do."""

from __future__ import annotations

# Codes a job or a boot can fail with. Job errors go back to the caller; boot errors go to workerEvents.
INVALID_INPUT = "invalid_input"
OUT_OF_MEMORY = "out_of_memory"
CUDA_ERROR = "cuda_error"
INFERENCE_FAILED = "inference_failed"
UPLOAD_FAILED = "upload_failed"
OUTPUT_TOO_LARGE = "output_too_large"
INTERNAL = "internal_error"
CONFIG_INVALID = "config_invalid"
SOURCE_UNAVAILABLE = "source_unavailable"
CHECKSUM_MISMATCH = "checksum_mismatch"
MODEL_LOAD_FAILED = "model_load_failed"
FITNESS_FAILED = "fitness_failed"
NOT_READY = "not_ready"
# LoRA adapters (a deployment's or a job's): like invalid_input, not retryable, the worker stays.
LORA_FETCH_FAILED = "lora_fetch_failed"
LORA_INVALID = "lora_invalid"
LORA_BASE_MISMATCH = "lora_base_mismatch"
# A job's init image or mask (issue 16): the URL was refused, unreachable or too big; or the bytes are
# not a PNG/JPEG/WebP image within the pixel cap. Like invalid_input: not retried, the worker is fine.
IMAGE_FETCH_FAILED = "image_fetch_failed"
IMAGE_INVALID = "image_invalid"


class WorkerError(Exception):
    """A failure with a code. ``poisons_worker`` means this process must not take another job."""

    def __init__(
        self, code: str, message: str, *, retryable: bool = False, poisons_worker: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.poisons_worker = poisons_worker

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


def classify(exc: BaseException) -> WorkerError:
    """Map an unexpected exception to a WorkerError; CUDA OOM and a broken CUDA context poison the worker.

    The message never carries the original text (it may quote a prompt or a path); the caller logs it.
    """
    if isinstance(exc, WorkerError):
        return exc
    name = type(exc).__name__
    text = str(exc)
    if name == "OutOfMemoryError" or "CUDA out of memory" in text:
        return WorkerError(
            OUT_OF_MEMORY,
            "the GPU ran out of memory; the worker is being replaced, retry the job "
            "(fewer images or a smaller size needs less memory)",
            retryable=True,
            poisons_worker=True,
        )
    if "CUDA error" in text or "CUBLAS_STATUS" in text or "cuDNN error" in text:
        return WorkerError(
            CUDA_ERROR,
            "the GPU reported an error; the worker is being replaced, retry the job",
            retryable=True,
            poisons_worker=True,
        )
    return WorkerError(INTERNAL, f"unexpected {name} in the worker", retryable=False)
