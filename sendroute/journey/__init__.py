"""The advice journey: one question per page, check your answers, then the advice."""
