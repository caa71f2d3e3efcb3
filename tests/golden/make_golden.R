# Golden values for tpn_survey.stats.design and tpn_survey.stats.rake, made with R survey.
#
#   cd tests/golden && Rscript make_golden.R
#
# Writes: synthetic.csv (the data), api_strat.csv, api_clus1.csv (R's data(api)),
# design_golden.csv (svyciprop per design x item x domain x method x level),
# rake_golden.csv (raked and trimmed weights), rake_margin_*.csv (the targets). Numbers are written with 17 significant digits.
# The tests never run R; they read these files. The design specs below are repeated in
# tests/test_design_golden.py (DESIGNS), keep both in step.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
cat("survey", as.character(packageVersion("survey")), "on", R.version.string, "\n")
fmt <- function(x) trimws(formatC(x, digits = 17, format = "g"))

## ---- synthetic teacher-practice survey ---------------------------------------------------
set.seed(20240611)
leaders_per_org <- c(A = 6, B = 5, C = 8, D = 4)
parts <- list()
for (o in names(leaders_per_org)) for (l in seq_len(leaders_per_org[[o]])) {
  m <- sample(6:18, 1)
  parts[[length(parts) + 1]] <- data.frame(org = rep(o, m), leader = rep(paste0(o, l), m))
}
d <- do.call(rbind, parts)
n <- nrow(d)
d$id <- seq_len(n)
n_org <- as.numeric(table(d$org)[d$org])
d$pop_people <- round(n_org * c(A = 4.5, B = 3, C = 6.2, D = 2)[d$org])
d$pop_leaders <- c(A = 20, B = 9, C = 30, D = 4)[d$org] # D: all 4 leaders, a census stratum
d$pop_total <- 1500
d$frac <- 0.25
d$w <- round(d$pop_people / n_org * runif(n, 0.6, 1.4), 3)
d$band <- sample(c("K-5", "6-8", "9-12"), n, replace = TRUE, prob = c(.5, .3, .2))
d$band[sample(n, 12)] <- NA
d$tenure <- sample(c("new", "mid", "veteran"), n, replace = TRUE, prob = c(.3, .45, .25))
shift <- c(A = 0.8, B = 0.2, C = -0.3, D = 0.5)[d$org] +
  rnorm(length(unique(d$leader)), 0, 0.6)[match(d$leader, unique(d$leader))]
answer <- function(s) {
  x <- as.integer(cut(s + rnorm(n), c(-Inf, -1.2, -0.2, 1.1, Inf)))
  x[runif(n) < 0.04] <- 9L # non-substantive: not valid
  x[runif(n) < 0.06] <- NA # missing: not valid
  x
}
d$q1 <- answer(shift + 0.3)
d$q2 <- answer(shift - 0.4)
d$q3 <- answer(shift)
d$q3[d$band %in% "9-12" & d$q3 %in% 1:2] <- 3L # every valid 9-12 answer is positive: rate 1
d$q4 <- ifelse(d$leader == "B1", answer(shift), NA) # one PSU answers: df 0 in cluster designs
rownames(d) <- NULL
write.csv(d[, c("id", "org", "leader", "band", "tenure", "w", "pop_people", "pop_leaders",
                "pop_total", "frac", "q1", "q2", "q3", "q4")],
          "synthetic.csv", row.names = FALSE, na = "")

syn_designs <- list(
  srs_fpc = svydesign(ids = ~1, fpc = ~pop_total, data = d),
  srs_frac = svydesign(ids = ~1, fpc = ~frac, data = d),
  weights_only = svydesign(ids = ~1, weights = ~w, data = d),
  strat_fpc = svydesign(ids = ~1, strata = ~org, fpc = ~pop_people, data = d),
  strat_w = svydesign(ids = ~1, strata = ~org, weights = ~w, data = d),
  clus1 = svydesign(ids = ~leader, weights = ~w, data = d),
  strat_clus = svydesign(ids = ~leader, strata = ~org, weights = ~w, fpc = ~pop_leaders, data = d),
  strat_clus_fpc_only = svydesign(ids = ~leader, strata = ~org, fpc = ~pop_leaders, data = d)
)

## ---- R's api data ---------------------------------------------------------------------------
data(api)
api_items <- c("sch.wide", "comp.imp", "both", "awards")
write.csv(apistrat[, c("cds", "stype", "pw", "fpc", api_items)], "api_strat.csv",
          row.names = FALSE)
write.csv(apiclus1[, c("cds", "dnum", "stype", "pw", "fpc", api_items)], "api_clus1.csv",
          row.names = FALSE)
api_designs <- list(
  api_strat = svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat, fpc = ~fpc),
  api_clus1 = svydesign(id = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc),
  api_clus1_nofpc = svydesign(id = ~dnum, weights = ~pw, data = apiclus1)
)

## ---- svyciprop over item x domain x method x level ----------------------------------------
rows <- list()
run <- function(dname, des, data, items, positive, valid, domain_var) {
  doms <- sort(unique(na.omit(as.character(data[[domain_var]]))))
  for (item in items) for (dom in c("overall", doms)) {
    keep <- valid(data[[item]]) & (dom == "overall" | data[[domain_var]] %in% dom)
    sub <- des[keep, ]
    f <- as.formula(sprintf("~I(%s %s)", item, positive))
    m <- svymean(as.formula(sprintf("~as.numeric(I(%s %s))", item, positive)), sub, deff = TRUE)
    m_rep <- svymean(as.formula(sprintf("~as.numeric(I(%s %s))", item, positive)), sub,
                     deff = "replace")
    p <- as.numeric(coef(m))
    v <- as.numeric(vcov(m))
    for (method in c("logit", "beta", "mean")) for (level in c(0.95, 0.9)) {
      ci <- tryCatch(suppressWarnings(attr(svyciprop(f, sub, method = method, level = level), "ci")),
                     error = function(e) c(NA, NA))
      rows[[length(rows) + 1]] <<- data.frame(
        design = dname, item = item, domain = dom, method = method, level = level,
        n = sum(keep), positive = sum(keep & eval(parse(text = sprintf("x %s", positive)),
                                                  list(x = data[[item]]))),
        rate = fmt(p), se = fmt(sqrt(v)), ci_low = fmt(ci[[1]]), ci_high = fmt(ci[[2]]),
        df = degf(sub), n_eff = fmt(p * (1 - p) / v),
        deff_true = fmt(as.numeric(attr(m, "deff"))),
        deff_replace = fmt(as.numeric(attr(m_rep, "deff"))))
    }
  }
}
for (dn in names(syn_designs)) {
  run(dn, syn_designs[[dn]], d, c("q1", "q2", "q3", "q4"), "%in% c(3, 4)",
      function(x) x %in% 1:4, "band")
}
api_data <- list(api_strat = apistrat, api_clus1 = apiclus1, api_clus1_nofpc = apiclus1)
for (dn in names(api_designs)) {
  run(dn, api_designs[[dn]], api_data[[dn]], api_items, "== \"Yes\"",
      function(x) !is.na(x), "stype")
}
write.csv(do.call(rbind, rows), "design_golden.csv", row.names = FALSE)

## ---- raking ---------------------------------------------------------------------------------
d$band_r <- ifelse(is.na(d$band), "unknown", d$band)
margins <- list(
  org = data.frame(org = c("A", "B", "C", "D"), Freq = c(1200, 800, 2000, 500)),
  tenure = data.frame(tenure = c("mid", "new", "veteran"), Freq = c(2000, 1500, 1000)),
  band_r = data.frame(band_r = c("6-8", "9-12", "K-5", "unknown"),
                      Freq = c(1300, 900, 2100, 200))
)
base <- svydesign(ids = ~1, weights = ~w, data = d)
raked <- rake(base, list(~org, ~tenure, ~band_r), margins,
              control = list(maxit = 50, epsilon = 1e-6))
raked_unit <- rake(svydesign(ids = ~1, weights = ~1, data = d), list(~org, ~tenure), margins[1:2],
                   control = list(maxit = 50, epsilon = 1e-6))
trimmed <- trimWeights(raked, lower = 8, upper = 25) # not strict: one pass, as R's default
write.csv(data.frame(id = d$id, band_r = d$band_r, w = d$w,
                     raked = fmt(weights(raked)), raked_unit = fmt(weights(raked_unit)),
                     trimmed = fmt(weights(trimmed))),
          "rake_golden.csv", row.names = FALSE)
for (nm in names(margins)) {
  write.csv(margins[[nm]], sprintf("rake_margin_%s.csv", nm), row.names = FALSE)
}
