// Start GOV.UK Frontend's components. The service works without JavaScript; this only adds
// enhancements such as the error summary taking focus.
import { initAll } from "/assets/govuk-frontend/govuk-frontend.min.js";
initAll();
