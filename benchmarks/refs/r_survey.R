# Reference: R survey on the design-based case, end to end from the CSV.
#   Rscript benchmarks/refs/r_survey.R DATA.csv OUT.json
# Strata = org, PSU = leader_id (nested), weight = w; svyciprop(method = "logit") of
# "Agree or Strongly agree" in the domain of substantive answers, 30 items overall and by region.
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], colClasses = "character", na.strings = character(0))
d$w <- as.numeric(d$w)
items <- grep("^Q", names(d), value = TRUE)
levels <- c("Strongly disagree", "Disagree", "Agree", "Strongly agree")
for (it in items) {
  d[[paste0(it, "_pos")]] <- d[[it]] %in% c("Agree", "Strongly agree")
  d[[paste0(it, "_ok")]] <- d[[it]] %in% levels
}
des <- svydesign(ids = ~leader_id, strata = ~org, weights = ~w, data = d, nest = TRUE)
out <- character(0)
for (it in items) {
  sub <- subset(des, d[[paste0(it, "_ok")]])
  f <- as.formula(paste0("~", it, "_pos"))
  p <- svyciprop(f, sub, method = "logit")
  out <- c(out, sprintf('"%s||": %.12g', it, as.numeric(p)))
  for (r in c("Urban", "Suburban", "Rural")) {
    p <- svyciprop(f, subset(sub, region == r), method = "logit")
    out <- c(out, sprintf('"%s|region|%s": %.12g', it, r, as.numeric(p)))
  }
}
writeLines(paste0("{", paste(out, collapse = ", "), "}"), args[2])
