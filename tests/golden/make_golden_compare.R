# Golden values for design-based comparisons (tpn_survey.stats.compare.design_differences).
#
#   cd tests/golden && Rscript make_golden_compare.R
#
# Reads synthetic.csv, api_strat.csv, api_clus1.csv (written by make_golden.R) and writes
# compare_golden.csv: for each design x item x grouping x (level, reference) pair,
#   sub <- subset(design, valid & g %in% c(level, reference))
#   b   <- svyby(~y, ~g, sub, svymean, covmat = TRUE)
#   svycontrast(b, c(level = 1, reference = -1))
# with df = degf(sub), interval d +- qt(1 - a/2, df) se and p = 2 pt(-|d/se|, df).
# Also writes means_golden.csv (svymean of item codes by band, see the end).
# The design specs are repeated in tests/test_compare_design.py (DESIGNS); keep both in step.
# The tests never run R. Numbers are written with 17 significant digits.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")
fmt <- function(x) trimws(formatC(x, digits = 17, format = "g"))

d <- read.csv("synthetic.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))
apistrat <- read.csv("api_strat.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))
apiclus1 <- read.csv("api_clus1.csv", stringsAsFactors = FALSE, na.strings = c("", "NA"))

syn <- list(
  srs = svydesign(ids = ~1, data = d),
  srs_fpc = svydesign(ids = ~1, fpc = ~pop_total, data = d),
  weights_only = svydesign(ids = ~1, weights = ~w, data = d),
  strat_fpc = svydesign(ids = ~1, strata = ~org, fpc = ~pop_people, data = d),
  clus1 = svydesign(ids = ~leader, weights = ~w, data = d),
  strat_clus = svydesign(ids = ~leader, strata = ~org, weights = ~w, fpc = ~pop_leaders, data = d)
)
api <- list(
  api_strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc),
  api_clus1 = svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
)

rows <- list()
run <- function(dname, des, data, items, positive, valid, by, reference, level = 0.95) {
  values <- sort(unique(na.omit(as.character(data[[by]]))))
  for (item in items) for (lev in setdiff(values, reference)) {
    x <- data[[item]]
    keep <- valid(x) & data[[by]] %in% c(lev, reference)
    sub <- des[keep, ]
    sub <- update(sub, y_ = as.numeric(positive(x[keep])), g_ = factor(data[[by]][keep]))
    n <- sum(keep & data[[by]] %in% lev)
    n_ref <- sum(keep & data[[by]] %in% reference)
    out <- tryCatch({
      b <- svyby(~y_, ~g_, sub, svymean, covmat = TRUE)
      w <- setNames(rep(0, nrow(b)), rownames(b))
      w[lev] <- 1
      w[reference] <- -1
      cc <- svycontrast(b, w)
      c(coef(cc), SE(cc))
    }, error = function(e) { message(dname, " ", item, " ", lev, ": ", conditionMessage(e)); c(NA, NA) })
    df <- degf(sub)
    est <- as.numeric(out[[1]])
    se <- as.numeric(out[[2]])
    q <- qt(1 - (1 - level) / 2, df)
    rows[[length(rows) + 1]] <<- data.frame(
      design = dname, item = item, by = by, level = lev, reference = reference,
      conf = level, n = n, n_reference = n_ref, difference = fmt(est), se = fmt(se), df = df,
      ci_low = fmt(est - q * se), ci_high = fmt(est + q * se),
      p_value = fmt(2 * pt(-abs(est / se), df)))
  }
}
pos <- function(x) x %in% c(3, 4)
val <- function(x) x %in% 1:4
for (dn in names(syn)) {
  run(dn, syn[[dn]], d, c("q1", "q2", "q3"), pos, val, "band", "K-5")
  run(dn, syn[[dn]], d, c("q1", "q2"), pos, val, "tenure", "mid", level = 0.9)
  run(dn, syn[[dn]], d, c("q1", "q2"), pos, val, "org", "C")
}
yes <- function(x) x == "Yes"
nonmissing <- function(x) !is.na(x)
api_data <- list(api_strat = apistrat, api_clus1 = apiclus1)
for (dn in names(api)) {
  run(dn, api[[dn]], api_data[[dn]], c("sch.wide", "comp.imp", "both", "awards"), yes,
      nonmissing, "stype", "E")
}
write.csv(do.call(rbind, rows), "compare_golden.csv", row.names = FALSE)

## ---- design-based means of item codes (tpn_survey.stats.scales.design_means) -------------
# For each design x item x band: svymean of the code (1-4; 9 and NA are no answer) over
# subset(design, answered & band == b) (or all answered rows for "overall"),
# interval mean +- qt(0.975, degf(sub)) se; sd = sqrt(svyvar) (the weighted variance with n/(n-1)).
mrows <- list()
for (dn in names(syn)) for (item in c("q1", "q2", "q3")) {
  x <- ifelse(d[[item]] %in% 1:4, d[[item]], NA)
  for (dom in c("overall", sort(unique(na.omit(d$band))))) {
    keep <- !is.na(x) & (dom == "overall" | d$band %in% dom)
    sub <- update(syn[[dn]][keep, ], x_ = x[keep])
    m <- svymean(~x_, sub)
    df <- degf(sub)
    q <- qt(0.975, df)
    mrows[[length(mrows) + 1]] <- data.frame(
      design = dn, item = item, domain = dom, n = sum(keep), mean = fmt(as.numeric(coef(m))),
      se = fmt(as.numeric(SE(m))), df = df, ci_low = fmt(as.numeric(coef(m) - q * SE(m))),
      ci_high = fmt(as.numeric(coef(m) + q * SE(m))),
      sd = fmt(sqrt(as.numeric(coef(svyvar(~x_, sub))))))
  }
}
write.csv(do.call(rbind, mrows), "means_golden.csv", row.names = FALSE)
